"""``dgti-data hub up|down|status``: the local CKAN hub (its commands live with it, in ``hub.cli``)."""

from dgti_data.hub.cli import hub as command

__all__ = ["command"]
