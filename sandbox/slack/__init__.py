"""A strict Slack simulator (Web API, event deliveries, OAuth, files) for tests, the demo and benchmarks."""

from .app import create_slack_simulator
from .config import Realism, SlackSimConfig
from .state import Workspace
from .world import SlackWorld

__all__ = ["Realism", "SlackSimConfig", "SlackWorld", "Workspace", "create_slack_simulator"]
