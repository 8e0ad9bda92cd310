"""--init-from: start a network from an earlier run's model.pt or a pretrained backbone.pt.

The backbone is loaded strictly (every tensor, every shape), so a start from another architecture is refused.
The hash head is loaded only from a run of the same method and code length (fine-tuning that run further);
otherwise it keeps its fresh initialisation, so one pretrained backbone starts every method at any bit length.
What was skipped is reported."""
import torch


def load_start(network, path, method, bits, model_cfg=None):
    """Loads path into network (a HashingModel). Returns {"backbone_tensors", "head": "loaded"|why, "skipped"}."""
    ckpt = torch.load(path, map_location="cpu")
    config = ckpt.get("config", {})
    if model_cfg is not None and config.get("model") and config["model"]["vit"] != model_cfg.to_dict()["vit"]:
        raise ValueError(f"--init-from {path}: its backbone is {config['model']['vit']}, this run's is "
                         f"{model_cfg.to_dict()['vit']}")
    if "backbone" in ckpt:  # vithash pretrain
        backbone, rest = ckpt["backbone"], {}
    else:
        state = ckpt["model"]
        backbone = {k[len("backbone."):]: v for k, v in state.items() if k.startswith("backbone.")}
        rest = {k: v for k, v in state.items() if not k.startswith("backbone.")}
    try:
        network.backbone.load_state_dict(backbone, strict=True)
    except RuntimeError as e:
        raise ValueError(f"--init-from {path}: the backbone does not fit: {e}") from None
    head = {k[len("head."):]: v for k, v in rest.items() if k.startswith("head.")}
    own = network.head.state_dict()
    same_shapes = head.keys() == own.keys() and all(head[k].shape == own[k].shape for k in own)
    if not head:
        why = "none in the file"
    elif config.get("method") != method or config.get("bits") != bits or not same_shapes:
        why = f"skipped: from {config.get('method')} at {config.get('bits')} bits, this run is {method} at {bits}"
    else:
        network.head.load_state_dict(head, strict=True)
        why = "loaded"
    skipped = sorted(k for k in rest if not (why == "loaded" and k.startswith("head.")))
    return {"backbone_tensors": len(backbone), "head": why, "skipped": skipped}
