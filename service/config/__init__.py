"""The web service's settings: defaults, then ``NOMS_`` environment variables, then validation.

One table (``variables.VARIABLES``) names every setting, its default and what it means; the
README's configuration table lists the same names (a test keeps them in step). ``load_settings``
turns a source (the environment, or a test's mapping) into a frozen ``Settings`` and stops at the
first setting that cannot work with one ``ConfigurationError`` line naming the variable. Values
that may be secret can be given in a file instead (``NOMS_<NAME>_FILE``); a secret is never
echoed in an error message.

Modules: ``parsers`` (one function per kind of value), ``issuers`` (the trusted CDS clients),
``variable`` and ``variables`` (the table), ``smart`` (the SMART app's block), ``settings`` (the
frozen object and the loading).
"""

from service.config.issuers import PRIVATE_JWK_MEMBERS, TrustedIssuer
from service.config.parsers import PREFIX
from service.config.settings import FILE_SUFFIX, Settings, load_settings
from service.config.smart import SMART_CALLBACK_PATH, SmartSettings
from service.config.variables import VARIABLES, Variable

__all__ = [
    "FILE_SUFFIX",
    "PREFIX",
    "PRIVATE_JWK_MEMBERS",
    "SMART_CALLBACK_PATH",
    "VARIABLES",
    "Settings",
    "SmartSettings",
    "TrustedIssuer",
    "Variable",
    "load_settings",
]
