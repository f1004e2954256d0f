"""Qt-free view logic: picking, label placement, rasterizing points, colour modes."""
