"""`python -m lift.local.server`: moto's server with Lift's CloudFormation extensions."""

from lift.local import lifeline, moto_ext  # noqa: F401  (registers the extra resource types)
from moto.server import main

if __name__ == "__main__":
    lifeline.watch()
    main()
