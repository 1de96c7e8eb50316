"""The Networks view: small MLPs trained on generated data, their decision boundaries, losses and
landscape slices."""
