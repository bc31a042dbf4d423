"""The kinds of fault the local data plane injects, in a module of their own:
the CLI's parser names them without loading the local target (which costs a
cold `lift synth` some 30 ms of imports)."""

KINDS = ("refuse", "error", "latency", "hang", "flap", "replication-lag")
