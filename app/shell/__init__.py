"""The shell around the views: header (lessons menu, mode switch, share, projector), the setup in the
sidebar, the player bar, the loss chart, export, and the callbacks that tie them together."""
