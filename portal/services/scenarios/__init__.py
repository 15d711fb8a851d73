"""A city's involvement scenarios and the networks' business model.

By subject: engine (the cash-flow evaluation, pure); every name is re-exported here."""

from portal.services.scenarios.engine import (  # noqa: F401
    KINDS,
    Evaluation,
    Line,
    Model,
    Position,
    evaluate,
)
