"""`make bench`: a province-scale workload, measured against the bare-read bound and a naive stack."""
