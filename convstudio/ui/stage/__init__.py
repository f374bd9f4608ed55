"""The stage: the layer laid out as the lecture draws it (inputs, kernel slices, bias, outputs)."""
