"""Outsourcees (委託先), sub-outsourcees (再委託先), places abroad (外的環境) and the completed
SPI file register (issue #16)."""
