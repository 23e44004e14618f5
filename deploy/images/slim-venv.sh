#!/bin/sh
# Trims an image's virtual environment of what no container runs, then checks what is left.
#
#   sh slim-venv.sh /opt/venv [MODULE...]
#
# - The test suites some wheels ship (numpy's, sympy's: 17 to 65 MB).
# - botocore's API models of every AWS service but the ones the S3 artifact store can reach:
#   S3 itself, and STS and SSO (IAM OIDC / IRSA web-identity and SSO credentials). The other
#   400-odd services are about 27 MB of JSON in every image that carries the object-store client.
#   After trimming, the S3 and STS clients must still build, or the image fails here.
# - With MODULEs (a service's entry points): the bytecode pip compiled for every module of every
#   package (a gateway or inference image imports about a third of it), replaced by the bytecode
#   of what importing those modules and loading uvicorn's server protocols compiles. Anything
#   else a process imports later is compiled in memory on first import (milliseconds).
# - With STRIP_ROOT (a root file system that has binutils, such as the builder stage mounted
#   read-only): the debug symbols of the packages' extension modules (uvloop's alone are 12 MB),
#   stripped by that root's strip through that root's own dynamic loader, so binutils never
#   enters the image. The vendored libraries under *.libs/ are left alone (auditwheel rewrote
#   them with patchelf, which strip can break); the import check below proves the rest loads.
set -eu

venv=${1:?usage: slim-venv.sh VENV [MODULE...]}
shift
python="$venv/bin/python"

find "$venv/lib" -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} +

if [ -n "${STRIP_ROOT:-}" ]; then
  if [ -x "$STRIP_ROOT/usr/bin/strip" ]; then
    arch="$(uname -m)-linux-gnu"
    loader=$(ls "$STRIP_ROOT/lib/$arch"/ld-linux*.so.* | head -n 1)
    find "$venv/lib" -type f -name '*.so' ! -path '*.libs/*' -exec "$loader" \
      --library-path "$STRIP_ROOT/usr/lib/$arch:$STRIP_ROOT/lib/$arch" \
      "$STRIP_ROOT/usr/bin/strip" --strip-debug {} +
  else
    echo "slim-venv.sh: no binutils under $STRIP_ROOT: extension modules keep their debug symbols" >&2
  fi
fi

data=$("$python" -c "import importlib.util as u, os; s = u.find_spec('botocore'); print(os.path.join(os.path.dirname(s.origin), 'data') if s else '')")
if [ -n "$data" ]; then
  find "$data" -mindepth 1 -maxdepth 1 -type d \
    ! -name s3 ! -name sts ! -name sso ! -name sso-oidc -exec rm -rf {} +
  "$python" -c "import boto3; s = boto3.session.Session(region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x'); s.client('s3', endpoint_url='http://127.0.0.1:9'); s.client('sts')"
fi

if [ $# -gt 0 ]; then
  find "$venv/lib" -depth -type d -name __pycache__ -path '*/site-packages/*' -exec rm -rf {} +
  modules=$(printf '%s,' "$@")
  PYTHONDONTWRITEBYTECODE='' "$python" -c "
import importlib, uvicorn
for name in '${modules%,}'.split(','):
    importlib.import_module(name)
config = uvicorn.Config(app=lambda scope, receive, send: None)
config.load()  # the HTTP, WebSocket and lifespan protocols uvicorn picks
config.get_loop_factory()  # and its event loop (uvloop)
"
fi
