"""Repositories: the only code that reads and writes tables. Each takes an AsyncSession (and the cipher for secrets)."""

from storage.repositories.accounts import AccountRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.connect_states import ConnectStateRepository
from storage.repositories.home_viewers import HomeViewerRepository
from storage.repositories.installations import InstallationRepository
from storage.repositories.oauth_states import OAuthStateRepository
from storage.repositories.rate_limits import RateLimitRepository
from storage.repositories.tenants import TenantRepository

__all__ = [
    "AccountRepository",
    "AuditRepository",
    "ConnectStateRepository",
    "HomeViewerRepository",
    "InstallationRepository",
    "OAuthStateRepository",
    "RateLimitRepository",
    "TenantRepository",
]
