"""What the matrix form says beside its equations: which function σ is in each layer, what its
slope is, why a shared bias sums the layer's δ. Tables by activation, read by view.py.

σ in Nielsen's equations is each layer's own activation, not only the sigmoid; a document that
never says which one leaves "σ'(z) = [1 1 1]" for a ReLU layer looking wrong, and calls softmax
"entry by entry", which it is not.
"""

from __future__ import annotations

#: An activation's name in a sentence, and how it is applied to a layer's net inputs
NAMES = {"sigmoid": "the sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU",
         "linear": "the identity", "softmax": "softmax"}

#: The entries of σ'(z) for an element-wise activation, in words
SLOPES = {
    "sigmoid": "the sigmoid's slope, each output times one minus itself",
    "tanh": "tanh's slope, one minus each output squared",
    "relu": "ReLU's slope: 1 where the net input is positive, 0 where it is not",
    "leaky_relu": "leaky ReLU's slope: 1 where the net input is positive, alpha where it is not",
    "linear": "the identity's slope, 1 everywhere",
}

#: Said of an activation's rule in §2 before its equations; {kronecker} is δ_kj as printed
RULES = {"softmax": "its slope uses the Kronecker delta ${kronecker}$, 1 when $k = j$ and 0 otherwise "
                    "(a number, not a neuron's error $\\delta$)"}

#: Said of a layer's outputs, a = σ(z)
APPLIED = {True: "applied to each net input on its own (entry by entry)",
           False: "not entry by entry: each output divides its own exponential by the sum of the whole layer's"}


#: A layer's bias in the given values' table, by its kind (a one-neuron layer's bias is shared by no one)
BIASES = {"none": "no bias", "shared": "one shared bias", "per_neuron": "a bias per neuron"}


def bias(kind: str, width: int) -> str:
    return "a bias" if width == 1 and kind != "none" else BIASES[kind]


def name(activation: str) -> str:
    return NAMES[activation]


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def layer_list(activations: list[tuple[int, str]]) -> str:
    """"ReLU in layer 1 and softmax in layer 2", "the sigmoid in layers 1 and 2": which σ each layer has."""
    layers: dict[str, list[str]] = {}
    for l, a in activations:
        layers.setdefault(a, []).append(str(l))
    return _listed([f"{NAMES[a]} in layer{'s' if len(ls) > 1 else ''} {_listed(ls)}" for a, ls in layers.items()])


#: Said before ∇_a C when each column is one sample's: by reduction, where the samples combine
#: What the matrix form says of a non-element-wise activation's Jacobian where BP1 transposes it
JACOBIAN_NOTES = {"softmax": ("Its Jacobian is symmetric (the slope of output $k$ by net input $j$ equals that of "
                              "output $j$ by net input $k$), so its transpose is the same matrix.")}

COLUMNS = {"mean": "the mean's factor 1/{m} comes in once, in BP3 and BP4 below",
           "sum": "the sum over the samples comes in BP3 and BP4 below"}


def before_step(role: str, activation: str, elementwise: bool, shared_bias: bool, shift_invariant: bool,
                samples: int = 1, reduction: str = "mean") -> str:
    """The sentence a matrix-form step of this role needs first, or ""."""
    if role == "matrix_grad_out" and samples > 1:
        return ("Each column is the derivative of that sample's own error, not of the error over "
                f"{'both' if samples == 2 else f'all {samples}'} samples: " + COLUMNS[reduction].format(m=samples) + ".")
    if role == "matrix_out":
        return f"Here $\\sigma$ is {NAMES[activation]}, {APPLIED[elementwise]}:"
    if role == "matrix_slope":
        return f"$\\sigma'$ is {SLOPES[activation]}:"
    if role == "matrix_net" and shared_bias:
        return ("The layer's bias is one number shared by every neuron: the column below repeats it, and "
                "BP3's gradient for it is one number too.")
    if role == "matrix_gradient_biases" and shared_bias:
        said = ("The layer has one shared bias, added to every neuron's net input, so its gradient is the sum "
                "of the layer's $\\delta$ (a row of ones times $\\delta$), not $\\delta$ itself: one number, "
                "as the bias is.")
        return said + (" " + shift_invariant_words(activation, rounded=True) if shift_invariant else "")
    return ""


def shift_invariant_words(activation: str, rounded: bool = False) -> str:
    """Why the sum of a shift-invariant layer's δ, its shared bias's gradient, is 0. ``rounded``: the
    matrix form sums the δ's printed entries' exact values, which may leave a speck of rounding."""
    return (f"The sum is {'0' if rounded else 'exactly 0'}: {NAMES[activation]} is unchanged when every net "
            "input of its layer moves by the same amount, and the shared bias moves them all together, so it "
            "cannot change the error" + (" (a value far below the printed digits is the working precision's "
                                         "rounding)." if rounded else "."))


#: Said of the update rule in §2, where the document's mark for an updated parameter is first used;
#: {updated} and {weight} are the notation's generic labels as maths
UPDATE = ("gradient descent moves every parameter against its gradient, by the learning rate times it; "
          "${updated}$ is the weight ${weight}$ after the update{biases}")
UPDATE_BIASES = {True: ", and a bias is updated the same way", False: " (biases are not updated)"}


#: Said before a hidden neuron's paths through an element-wise output layer (Mazur's ∂E_o1/∂out_h1):
#: why ∂E_o1/∂net_o1, a factor of E_o1's own, is the δ found above; each {name} is printed maths
BY_TERM = ("Each path's error is one output's own term. Only ${term}$ depends on ${net}$, so its first factor "
           "is the ${delta}$ found above (and likewise for every output):")


#: The cross-checks in the verification paragraph (oracle/checker.METHOD_NAMES): what each is called
#: there, and whether it computes exactly (its differences from the chain rule are rounding) or
#: approximates (finite differences: their step and the error's rounding limit their agreement)
CHECKS = {"numeric": ("the numeric backpropagation", True), "symbolic": ("SymEngine's derivative", True),
          "closed": ("the closed forms of the output deltas", True), "finite": ("finite differences", False)}


def agreement(figures: list[tuple[str, str]]) -> str:
    """The verification paragraph's sentences on how closely each check agreed, from (method, its
    largest relative difference as LaTeX): the exact methods to rounding, finite differences to their step."""
    def to(figure: str) -> str:
        return "exactly" if figure == "0" else f"to ${figure}$"

    exact = [f"with {CHECKS[m][0]} {to(f)}" for m, f in figures if CHECKS[m][1]]
    approximate = [f for m, f in figures if not CHECKS[m][1]]
    said = []
    if exact:
        said.append(f"Relative to the size of the numbers compared, the chain rule's values agree {_listed(exact)}: "
                    f"{'these are exact computations' if len(exact) > 1 else 'an exact computation'} in many "
                    "digits, and what differs is rounding.")
    for figure in approximate:
        said.append(f"Finite differences, which approximate each derivative by the error's change over a small "
                    f"step, agree {to(figure)}: that step and the error's own rounding limit how closely they "
                    "can, so this figure is theirs, not the solution's.")
    return " ".join(said)


#: Said of §2's loss rule with several samples, whose E is one sample's error while §3 on averages (or
#: sums) them; {sample_error} and {error} are printed maths, {combined} "mean" or "sum"
ONE_SAMPLE = (". Here ${error}$ is one sample's error; from §3 on, ${sample_error}$ is sample 1's (and likewise for "
              "every sample) and ${error}$ the {combined} of the samples' errors, so each gradient is the {combined} of "
              "the samples' gradients.")
