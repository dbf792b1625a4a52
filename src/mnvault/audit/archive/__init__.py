"""The auditors' archive: signed, verifiable segments of the trail written before anything is
pruned, and the one controlled way to prune entries past their retention."""
