"""What every loss returns: {"loss": total, <term>: value, ...}.

The training loop minimises "loss" and logs every term's mean per epoch, so a run's log shows what its loss
is made of (e.g. how much of it is quantization error). Terms are reported as they enter the total, weights
applied, so they add up to it.
"""


def summed(**terms):
    """The report of a loss that is the plain sum of its terms."""
    return {"loss": sum(terms.values()), **terms}
