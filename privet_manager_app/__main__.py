import sys

from privet_manager_app.cli import main
from privet_manager_app.domain.errors import DomainError

try:
    main()
except DomainError as error:
    print(f"Ошибка: {error.message}", file=sys.stderr)
    sys.exit(2)
