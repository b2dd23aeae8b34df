"""Evidence attached to cases: what is accepted (intake), where the bytes are kept (blobs), and who may
attach, list and open them (desk)."""
