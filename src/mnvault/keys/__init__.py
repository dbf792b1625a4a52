"""Key-encryption-key rotation: re-wrap data keys online, then destroy old KEK versions."""
