"""The inbound relay: Meta's webhooks stored durably (the inbox), then parsed, routed, deduplicated and mirrored
into Slack threads by workers through the Slack outbox."""
