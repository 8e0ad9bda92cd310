"""docs/RESULTS.md and its plot, written only from the cached per-run JSON files (no number typed by hand)."""
import glob
import json
import os

METHOD_ORDER = ["single_loss", "asymmetric", "csq", "greedyhash", "dpsh", "lsh"]
DESCRIPTIONS = {
    "single_loss": "source method 1: single objective (OrthoCos-style cosine CE to fixed ±1 codewords, BN head)",
    "asymmetric": "source method 2: asymmetric (ADSHT-style; network codes for queries and database)",
    "csq": "baseline: CSQ (Hadamard centres)",
    "greedyhash": "baseline: GreedyHash (sign with straight-through gradient)",
    "dpsh": "baseline: DPSH (pairwise likelihood)",
    "lsh": "floor: LSH (random projections of pixels)",
}


SOURCE_METHODS = ("single_loss", "asymmetric")
BASELINES = ("greedyhash", "csq", "dpsh", "lsh")


def load_runs(results_dir):
    """{(method, bits): [result, ...]}, one result per training seed, lowest seed first."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        if "method" in r and "bits" in r and r.get("train_set", "protocol") == "protocol":
            runs.setdefault((r["method"], int(r["bits"])), []).append(r)
    return {k: sorted(v, key=lambda r: r.get("train", {}).get("seed", 0)) for k, v in runs.items()}


def load_results(results_dir):
    """{(method, bits): the run of the lowest seed}."""
    return {k: v[0] for k, v in load_runs(results_dir).items()}


def mean_std(values):
    """Mean and sample standard deviation (0 for one value)."""
    n = len(values)
    mean = sum(values) / n
    return mean, (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 if n > 1 else 0.0


def format_cell(values):
    """'0.812' for one run; '0.812 ± 0.004 (3)' for the mean ± sample std of several seeds."""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    mean, std = mean_std(values)
    return f"{mean:.3f} ± {std:.3f} ({len(values)})"


def compare(a, b):
    """'a - b' of two lists of per-seed values, and whether it is within noise: |difference| < 2 standard errors
    of the difference (with one seed on either side there is no noise estimate, so it is never called real)."""
    (ma, sa), (mb, sb) = mean_std(a), mean_std(b)
    if min(len(a), len(b)) < 2:
        return ma - mb, "one seed: noise unknown"
    se = (sa ** 2 / len(a) + sb ** 2 / len(b)) ** 0.5
    return ma - mb, "within noise" if abs(ma - mb) < 2 * se else "beyond 2 standard errors"


TARGET_LEAD = 0.03  # issue #15: each source method >= the best baseline + 0.03 mAP@all (3-seed means)


def best_baseline(runs, bits):
    """The baseline with the highest mean mAP@all at this code length, and its per-seed values; (None, []) if none ran."""
    maps = {m: [r["map_all"] for r in runs[(m, bits)]] for m in BASELINES if (m, bits) in runs}
    if not maps:
        return None, []
    best = max(maps, key=lambda m: mean_std(maps[m])[0])
    return best, maps[best]


def lead_target(diff, verdict):
    """Issue #15's target for a source method's lead over the best baseline: at least +0.03 and beyond noise."""
    return "met" if diff >= TARGET_LEAD and verdict == "beyond 2 standard errors" else "missed"


def lead_table(runs, bits_list, title):
    """Each source method against the best baseline per code length (mAP@all means over seeds): the difference,
    whether it is within noise, and whether it reaches the +0.03 target; [] when a length lacks either side."""
    rows = []
    for b in bits_list:
        b_m, base_maps = best_baseline(runs, b)
        if b_m is None:
            continue
        for s_m in (m for m in SOURCE_METHODS if (m, b) in runs):
            diff, verdict = compare([r["map_all"] for r in runs[(s_m, b)]], base_maps)
            target = lead_target(diff, verdict)
            rows.append(f"| {b} | {s_m} ({len(runs[(s_m, b)])}) | {b_m} ({len(base_maps)}) | {diff:+.3f} | {verdict} | "
                        f"{target} |")
    if not rows:
        return []
    return ["", title, "",
            "Seeds in brackets. Within noise: the difference of the means is under 2 standard errors of the difference. "
            f"Target: at least +{TARGET_LEAD:.2f} and beyond noise.", "",
            "| bits | source method | best baseline | difference | | +0.03 target |", "|---|---|---|---:|---|---|"] + rows


def ablation_table(results_dir):
    """Every ablation folder (`ablations/<method>-<key>-<value>-<start>/`, next to a results folder `<start>/`) against
    that folder's default run of the method and its best baseline, per code length (mAP@all means over seeds, the
    noise verdict, the +0.03 target for a source method); [] when there is none."""
    rows = []
    for sub in sorted(glob.glob(os.path.join(results_dir, "ablations", "*", ""))):
        name = os.path.basename(os.path.dirname(sub))
        method = next((m for m in METHOD_ORDER if name.startswith(m + "-")), None)
        start = next((d for d in sorted(os.listdir(results_dir)) if method and name.endswith("-" + d)
                      and os.path.isdir(os.path.join(results_dir, d))), None)
        runs = load_runs(sub)
        if start is None or not runs:
            continue
        key, _, value = name[len(method) + 1:-len(start) - 1].partition("-")
        reference = load_runs(os.path.join(results_dir, start))
        for (m, b), variant in sorted(runs.items(), key=lambda kv: kv[0][1]):
            maps = [r["map_all"] for r in variant]
            default = [r["map_all"] for r in reference.get((m, b), [])]
            cell = format_cell(maps) if len(maps) > 1 else f"{maps[0]:.3f} (1)"
            vs_default = "no default run" if not default else "{:+.3f}, {}".format(*compare(maps, default))
            best, base_maps = best_baseline(reference, b)
            if best is not None:
                diff, verdict = compare(maps, base_maps)
                target = lead_target(diff, verdict) if m in SOURCE_METHODS else ""
                vs_base = f"{best} ({len(base_maps)}): {diff:+.3f}, {verdict}"
            else:
                vs_base, target = "no baseline run", ""
            rows.append(f"| {m} | {key}={value} | `{start}/` | {b} | {cell} | {vs_default} | {vs_base} | {target} |")
    if not rows:
        return []
    return ["", "## Ablations against the default and the best baseline (mAP@all)", "",
            "Each ablation folder's runs (seeds in brackets) against the same results folder's run of the method with "
            "its default value, and against that folder's best baseline: the difference of the means and whether it is "
            "beyond 2 standard errors of the difference; the +0.03 target for a source method.", "",
            "| method | setting | against | bits | mAP@all | vs the default | vs the best baseline | +0.03 target |",
            "|---|---|---|---:|---|---|---|---|"] + rows


def _plot(results, methods, bits_list, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for m in methods:
        xs = [b for b in bits_list if (m, b) in results]
        axes[0].plot(xs, [results[(m, b)]["map_all"] for b in xs], "o-", label=m)
        r64 = results.get((m, max(bits_list)))
        if r64:
            ks = sorted(int(k) for k in r64["precision_at"])
            axes[1].plot(ks, [r64["precision_at"][str(k)] for k in ks], "o-", label=m)
    axes[0].set(xlabel="bits", ylabel="mAP@all", title="mAP@all vs code length", xticks=bits_list)
    axes[1].set(xlabel="k (log scale)", ylabel="precision@k", title=f"precision@k, {max(bits_list)} bits",
                xscale="log")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results_dir, output="docs/RESULTS.md"):
    runs = load_runs(results_dir)
    results = {k: v[0] for k, v in runs.items()}
    if not results:
        return
    methods = [m for m in METHOD_ORDER if any(k[0] == m for k in results)]
    methods += sorted({k[0] for k in results} - set(methods))
    bits_list = sorted({k[1] for k in results})
    any_r = next(iter(results.values()))
    plot_name = "map_vs_bits.png"
    _plot(results, methods, bits_list, os.path.join(results_dir, plot_name))

    def cell(m, b, key):
        return format_cell([r[key] for r in runs[(m, b)]]) if (m, b) in runs else "not run"

    lines = [
        "# Results",
        "",
        "Generated by `python3 -m vithash evaluate-all` (or `report`) from the cached runs in `docs/results/`;",
        "every number below was measured by that command on this data. Protocol and recipe: docs/TRAINING.md.",
        "",
        f"Dataset: {any_r['dataset']}; {any_r['queries']} queries (100 per class, test split), "
        f"{any_r['database']} database images, {any_r['train_size']} training images (500 per class, "
        "sampled from the database). Relevant = same label. Hamming ranking, ties broken by database index; "
        "the tie-aware column is the expected AP over all orders of tied items.",
        "",
    ]
    if any(len(v) > 1 for v in runs.values()):
        lines += ["A cell with several training seeds shows mean ± sample standard deviation (number of seeds); "
                  "the plot and the cost table use the lowest seed.", ""]
    for title, key in [("mAP@all", "map_all"), ("mAP@1000", "map_1000"), ("mAP@all, tie-aware", "map_all_tie_aware")]:
        lines += [f"## {title}", "", "| method | " + " | ".join(f"{b} bits" for b in bits_list) + " |",
                  "|---|" + "---:|" * len(bits_list)]
        lines += [f"| {m} | " + " | ".join(cell(m, b, key) for b in bits_list) + " |" for m in methods]
        lines.append("")
    lines += ["## Training cost", "",
              "Seconds of training on 2 CPU cores (shared with other work, so timings are noisy) and epochs.", "",
              "| method | " + " | ".join(f"{b} bits" for b in bits_list) + " |", "|---|" + "---:|" * len(bits_list)]
    for m in methods:
        row = []
        for b in bits_list:
            r = results.get((m, b))
            row.append(f"{r['train_seconds']:.0f} s / {r['epochs']} ep" if r else "not run")
        lines.append(f"| {m} | " + " | ".join(row) + " |")
    lines += lead_table(runs, bits_list, "## Source methods vs the best baseline (mAP@all)")
    asym = [(b, results[("asymmetric", b)]) for b in bits_list if ("asymmetric", b) in results]
    asym = [(b, r) for b, r in asym if "learned_codes_train_only" in r]
    if asym:
        lines += ["", "## Asymmetric method: learned database codes B vs network codes", "",
                  "The main table ranks network codes for the whole database, because the plugin encodes every "
                  "indexed image with the network. B exists only for the training images, so this comparison "
                  "ranks the queries against those images only, once with B and once with network codes.", "",
                  "| bits | mAP@all vs learned B | mAP@all vs network codes (same images) |", "|---|---:|---:|"]
        lines += [f"| {b} | {r['learned_codes_train_only']['map_all']:.3f} | "
                  f"{r['network_codes_train_only']['map_all']:.3f} |" for b, r in asym]
    lines += ["", f"![mAP vs bits and precision@k]({os.path.relpath(os.path.join(results_dir, plot_name), os.path.dirname(output) or '.')})", ""]
    lines += ["## Methods", ""] + [f"- `{m}`: {DESCRIPTIONS.get(m, '')}" for m in methods] + [""]
    default = os.path.join(os.path.dirname(output) or ".", "..", "models", "default", "model.json")
    if os.path.exists(default):
        with open(default) as f:
            manifest = json.load(f)
        ev = manifest.get("evaluation", {})
        lines += ["## Shipped default model (`models/default/`)", "",
                  f"`{manifest['id']}`: method `{manifest['method']}`, {manifest['bits']} bits, trained on "
                  f"{manifest.get('training', {}).get('description', '?')}. On the same {ev.get('queries', '?')} "
                  f"queries against the {ev.get('database', '?')}-image database: mAP@all {ev.get('map_all', float('nan')):.3f}, "
                  f"mAP@1000 {ev.get('map_1000', float('nan')):.3f}, tie-aware mAP@all "
                  f"{ev.get('map_all_tie_aware', float('nan')):.3f}.", ""]
    lines += _variant_sections(results_dir)
    lines += _diagnosis_sections(results_dir)
    notes = os.path.join(results_dir, "notes.md")  # hand-written discussion, appended verbatim
    if os.path.exists(notes):
        with open(notes) as f:
            lines += ["", f.read().strip(), ""]
    with open(output, "w") as f:
        f.write("\n".join(lines))


def _start_of(r):
    start = r.get("init_from")
    return f"from `{os.path.basename(os.path.dirname(start['path']))}`" if start else "from random init"


def _variant_sections(results_dir):
    """Tables of the runs kept in sub-folders of results_dir: pretraining runs (pretrain/), hold-out learning
    curves (curves/), and whole tables under other recipes (e.g. pretrained-30ep/, scratch-30ep/), each cell the
    mean ± std over the seeds that have finished (the number of seeds in brackets)."""
    lines = []
    pre = sorted(glob.glob(os.path.join(results_dir, "pretrain", "*.json")))
    if pre:
        lines += ["", "## Pretraining runs (`vithash pretrain`)", "",
                  "k-NN: cosine 20-NN accuracy of the CLS features (the protocol training images vote for 5,000 other "
                  "database images). BN statistics: the stem's BatchNorm running statistics the k-NN probe used.", "",
                  "| run | images | epochs | train seconds | images/s | final loss | k-NN before | k-NN after | "
                  "BN statistics |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for path in pre:
            with open(path) as f:
                r = json.load(f)
            lines.append(f"| {os.path.basename(path)[:-5]} | {r['train_size']:,} ({r['train_set']}) | {r['epochs']} | "
                         f"{r['train_seconds']:.0f} | {r['images_per_second']:.0f} | {r['final_loss']:.4f} | "
                         f"{r['knn']['accuracy_before']:.4f} | {r['knn']['accuracy_after']:.4f} | " +
                         (f"re-estimated on {r['batchnorm_recalibrated_on']:,} unmasked images |"
                          if r.get("batchnorm_recalibrated_on") else "as pretraining left them (masked inputs) |"))
    curves = sorted(glob.glob(os.path.join(results_dir, "curves", "*.json")))
    if curves:
        lines += ["", "## Hold-out learning curves", "",
                  "mAP@all of the held-out training images against the rest of the training set after each epoch "
                  "(the run trains without them); the protocol's mAP@all of the same run's final model.", "",
                  "| run | start | epochs | held-out mAP@all by epoch | protocol mAP@all |", "|---|---|---:|---|---:|"]
        for path in curves:
            with open(path) as f:
                r = json.load(f)
            curve = " ".join(f"{p['holdout_map_all']:.3f}" for p in r["learning_curve"])
            lines.append(f"| {os.path.basename(path)[:-5]} | {_start_of(r)} | {r['epochs']} | {curve} | "
                         f"{r['map_all']:.3f} |")
    for sub in sorted(glob.glob(os.path.join(results_dir, "*", ""))):
        name = os.path.basename(os.path.dirname(sub))
        runs = load_runs(sub)
        if name in ("pretrain", "curves", "ablations") or not runs:
            continue
        any_r = next(iter(runs.values()))[0]
        methods = [m for m in METHOD_ORDER if any(k[0] == m for k in runs)]
        bits_list = sorted({k[1] for k in runs})
        lines += ["", f"## mAP@all: `{name}/` ({any_r['epochs']} epochs, {_start_of(any_r)})", "",
                  "Partial until every cell has 3 seeds: a cell shows mean ± sample std (seeds), "
                  "`not run` where nothing has finished.", "",
                  "| method | " + " | ".join(f"{b} bits" for b in bits_list) + " |", "|---|" + "---:|" * len(bits_list)]
        lines += [f"| {m} | " + " | ".join(format_cell([r["map_all"] for r in runs[(m, b)]]) if (m, b) in runs
                                           else "not run" for b in bits_list) + " |" for m in methods]
        lines += lead_table(runs, bits_list, f"### Source methods vs the best baseline, `{name}/`")
    lines += ablation_table(results_dir)
    return lines


def _diagnosis_sections(results_dir):
    """One table per `vithash diagnose` file in diagnosis/: AP per class of the protocol queries, and mAP of seen
    (training) vs unseen (protocol) queries against the database images no run trained on, one column per run."""
    lines = []
    for path in sorted(glob.glob(os.path.join(results_dir, "diagnosis", "*.json"))):
        with open(path) as f:
            runs = json.load(f)
        heads = [" ".join([r["method"], *(f"{k}={v}" for k, v in r["changed"].items()), str(r["bits"])]) +
                 f" (seed {r['seed']})" for r in runs]
        lines += ["", f"## Where the mAP is lost: `diagnosis/{os.path.basename(path)}` (`vithash diagnose`)", "",
                  f"AP@all per class of the {sum(1 for _ in runs[0]['per_class_ap'])} classes' protocol queries "
                  "against the whole database (their mean is the run's mAP@all); then the same network's mAP with "
                  f"{runs[0]['seen_queries']:,} of its training images as queries, first against the other "
                  "training images (what it fitted), then (seen) against the "
                  f"{runs[0]['database_unseen']:,} database images no run trained on, like the protocol queries "
                  "(unseen).", "", "| | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(runs)]
        for name in runs[0]["per_class_ap"]:
            lines.append(f"| {name} | " + " | ".join(f"{r['per_class_ap'][name]:.3f}" for r in runs) + " |")
        lines.append("| **mAP@all** | " + " | ".join(f"**{r['map_all']:.3f}**" for r in runs) + " |")
        lines.append("| training queries vs the other training images (fitted) | " + " | ".join(
            f"{r['map_seen_vs_training']:.3f}" for r in runs) + " |")
        lines.append("| seen queries | " + " | ".join(f"{r['map_seen_queries']:.3f}" for r in runs) + " |")
        lines.append("| unseen queries | " + " | ".join(f"{r['map_unseen_queries']:.3f}" for r in runs) + " |")
        lines.append("| seen − unseen | " + " | ".join(
            f"{r['map_seen_queries'] - r['map_unseen_queries']:+.3f}" for r in runs) + " |")
    return lines
