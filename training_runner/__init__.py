"""The parent side of training: takes jobs from the queue and runs them (in the enclave, or on
SageMaker without attestation), reporting status, spend and results back."""
