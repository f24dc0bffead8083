"""The spec pipeline behind scripts/generate.py.

pin -> sources -> bundle -> overrides (+ normalize) -> validate -> codegen -> report.
Each step is one module; every failure is a SpecError with a one-line message.
"""
