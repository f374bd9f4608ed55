"""ConvStudio: see, edit and check how a convolution layer computes."""

__version__ = "0.1.0"
