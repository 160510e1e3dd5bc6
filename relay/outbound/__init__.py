"""The outbound relay: recruiters' thread replies recorded once, then sent to candidates on WhatsApp."""
