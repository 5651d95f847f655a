"""Save reference tensors for Kernscope with the engine's naming.

Kernscope's embedded engine stores every tensor of a dumped training step as
``step{N}/{layer}/{what}`` (``step0/fc1/output``, ``step0/fc1/grad_weight``, ...).  This module
writes the same names from NumPy or PyTorch so ``kernscope-cli compare RUN REF`` pairs them up.

NumPy is required; PyTorch is optional (only :class:`TorchRecorder` needs it).

Names (``layer`` is the PyTorch attribute name of the module, e.g. ``fc1``, ``relu1``):

=================================  ======  ===========================================
name                               role    meaning
=================================  ======  ===========================================
step{N}/input/x, step{N}/input/y   input   the batch
step{N}/{layer}/weight, bias       param   parameters used by the step ([out, in])
step{N}/{layer}/output             output  module output (Linear: op matmul, ReLU: relu)
step{N}/loss/softmax               output  softmax of the logits (cross-entropy models)
step{N}/loss/output                output  the scalar loss
step{N}/loss/grad_input            grad    dLoss/d(last layer output)
step{N}/{layer}/grad_input         grad    dLoss/d(module input) (not for the first layer)
step{N}/{layer}/grad_weight, ...   grad    parameter gradients
step{N}/{layer}/updated_weight     param   parameters after the optimizer step
=================================  ======  ===========================================

Example with PyTorch::

    rec = TorchRecorder(model)          # forward/backward hooks on every named submodule
    rec.begin_step(0, x, y)             # inputs + parameters
    logits = model(x)
    loss = rec.cross_entropy(logits, y) # softmax, loss and its gradient are recorded
    loss.backward()
    rec.record_grads()                  # grad_weight / grad_bias
    opt.step()
    rec.record_params("updated_")
    rec.save("ref.h5")                  # or "ref.npz"

Plain NumPy: ``r = Recorder(); r.add("step0/fc1/output", array, role="output", op="matmul")``.
"""

import os

import numpy as np

__all__ = ["Recorder", "TorchRecorder", "save_tensors"]

_OP_BY_MODULE = {
    "Linear": "matmul",
    "ReLU": "relu",
    "Softmax": "softmax",
    "LogSoftmax": "softmax",
    "MSELoss": "mse",
    "CrossEntropyLoss": "cross_entropy",
}


def save_tensors(path, tensors, attrs=None):
    """Write ``{name: array}`` to ``path`` (.npz, or .h5/.hdf5 with h5py).

    For HDF5, ``attrs`` maps a name to a dict of attributes (role, op, layer, step, order).
    The file is written to a temporary name and renamed into place.
    """
    attrs = attrs or {}
    tmp = path + ".tmp"
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        with open(tmp, "wb") as f:
            np.savez(f, **{k: np.array(v, order="C") for k, v in tensors.items()})
    elif ext in (".h5", ".hdf5"):
        import h5py  # optional: only for HDF5 output

        with h5py.File(tmp, "w") as f:
            for name, value in tensors.items():
                ds = f.create_dataset(name, data=np.array(value, order="C"))
                for key, val in attrs.get(name, {}).items():
                    ds.attrs[key] = val
    else:
        raise ValueError(f"{path}: unsupported extension (use .npz or .h5)")
    os.replace(tmp, path)


class Recorder:
    """Collects named tensors in execution order and saves them."""

    def __init__(self):
        self.tensors = {}
        self.attrs = {}
        self.step = 0
        self._order = 0

    def add(self, name, value, role="output", op="", layer=None, step=None):
        """Adds one tensor (anything np.asarray accepts, torch tensors included)."""
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        value = np.array(value, copy=True)
        if layer is None:
            parts = name.split("/")
            layer = parts[1] if len(parts) > 2 else ""
        self.tensors[name] = value
        self.attrs[name] = {
            "role": role,
            "op": op,
            "layer": layer,
            "step": self.step if step is None else step,
            "order": self._order,
        }
        self._order += 1

    def name(self, layer, what):
        return f"step{self.step}/{layer}/{what}"

    def save(self, path):
        save_tensors(path, self.tensors, self.attrs)


class TorchRecorder(Recorder):
    """Hooks a torch.nn.Module so every named submodule's output and input gradient is recorded
    the way the Kernscope engine names them."""

    def __init__(self, model, optimizer_name="sgd"):
        super().__init__()
        self.model = model
        self.optimizer_name = optimizer_name
        self._handles = []
        self.enabled = True
        for name, module in model.named_modules():
            if not name or len(list(module.children())) > 0:
                continue
            op = _OP_BY_MODULE.get(type(module).__name__, type(module).__name__.lower())
            self._handles.append(module.register_forward_hook(self._forward_hook(name, op)))
            self._handles.append(module.register_full_backward_hook(self._backward_hook(name, op)))

    def _forward_hook(self, layer, op):
        def hook(module, inputs, output):
            if self.enabled:
                self.add(self.name(layer, "output"), output, "output", op, layer)

        return hook

    def _backward_hook(self, layer, op):
        def hook(module, grad_input, grad_output):
            if self.enabled and grad_input and grad_input[0] is not None:
                self.add(self.name(layer, "grad_input"), grad_input[0], "grad", op, layer)

        return hook

    def begin_step(self, step, x=None, y=None):
        """Starts step ``step``: records the batch (if given) and the parameters."""
        self.step = step
        if x is not None:
            self.add(self.name("input", "x"), x, "input", "input", "input")
        if y is not None:
            self.add(self.name("input", "y"), y, "input", "input", "input")
        self.record_params()

    def record_params(self, prefix=""):
        """weight/bias of every module (``prefix="updated_"`` after the optimizer step)."""
        for layer, module in self.model.named_modules():
            for what, p in module.named_parameters(recurse=False):
                self.add(self.name(layer, prefix + what), p, "param", self.optimizer_name, layer)

    def record_grads(self):
        for layer, module in self.model.named_modules():
            for what, p in module.named_parameters(recurse=False):
                if p.grad is not None:
                    self.add(self.name(layer, "grad_" + what), p.grad, "grad", "matmul", layer)

    def _loss(self, prediction, loss, op):
        self.add(self.name("loss", "output"), loss, "output", op, "loss")
        if prediction.requires_grad:
            name = self.name("loss", "grad_input")
            prediction.register_hook(lambda g: self.add(name, g, "grad", op, "loss"))
        return loss

    def cross_entropy(self, logits, labels):
        """Mean softmax cross-entropy; records loss/softmax, loss/output, loss/grad_input."""
        import torch.nn.functional as F

        self.add(self.name("loss", "softmax"), F.softmax(logits, dim=1), "output", "softmax",
                 "loss")
        return self._loss(logits, F.cross_entropy(logits, labels), "cross_entropy")

    def mse(self, prediction, target):
        """Mean squared error; records loss/output and loss/grad_input."""
        import torch.nn.functional as F

        return self._loss(prediction, F.mse_loss(prediction, target), "mse")

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []
