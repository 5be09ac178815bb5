"""Training the SIGGRAPH17 network: data on the device, simulated hints, losses, runs that resume."""
