"""The Open Inference Protocol (KServe v2 REST) in front of the inference replicas."""
