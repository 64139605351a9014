"""What whoever runs the function sees: structured log lines (logs.py) and CloudWatch metrics as EMF (metrics.py).

Both carry only what the code itself decides (a trigger, an outcome, a kind, the meeting's id, Lambda's request
id), never what a client sent.
"""
