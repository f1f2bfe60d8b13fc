"""The local stack: the whole system on 127.0.0.1 with moto as AWS (``python -m local_stack``)."""
