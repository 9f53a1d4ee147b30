"""Phones and device farms: the verification bundle a phone checks itself against, the device-class
table, ingestion of phone results, and the drivers that run the Android and iOS harnesses.

See ``docs/device-contract.md`` for the contract between the host and a phone harness.
"""
