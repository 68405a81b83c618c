"""Single sign-on settings and the routes when it is off: no OpenID provider
needed (tests/web/test_sso.py signs in against a real one)."""
import json
import os
import subprocess

import pytest

from conftest import AIRC, free_port


def test_without_an_issuer_single_sign_on_is_off(server):
    assert server.json("GET", "/api/v1/auth/oidc", user=None) == {"enabled": False}
    status, _, body = server.request("GET", "/api/v1/auth/oidc/login", user=None)
    assert status == 404
    assert json.loads(body)["detail"] == "single sign-on is not configured ([webserver] oidc_issuer is empty)"


@pytest.mark.parametrize("config,message", [
    ("oidc_issuer = http://127.0.0.1:1/x\n", "[webserver] oidc_issuer is set but oidc_client_id is empty"),
    ("oidc_issuer = ftp://idp/\noidc_client_id = a\n", "[webserver] oidc_issuer: 'ftp://idp/' is not an http(s) URL"),
    ("oidc_issuer = http://idp/\noidc_client_id = a\noidc_role_map = admins:boss\n",
     "[webserver] oidc_role_map: 'admins:boss': the role must be viewer, op or admin"),
    ("oidc_issuer = http://idp/\noidc_client_id = a\noidc_role_map = justavalue\n",
     "[webserver] oidc_role_map: 'justavalue' is not VALUE:ROLE"),
    ("oidc_issuer = http://idp/\noidc_client_id = a\noidc_default_role = root\n",
     "[webserver] oidc_default_role: 'root' is not viewer, op, admin or none"),
    ("oidc_issuer = http://idp/\noidc_client_id = a\noidc_scopes = profile\n",
     "[webserver] oidc_scopes must include 'openid'"),
])
def test_bad_settings_stop_the_server(tmp_path, config, message):
    home = str(tmp_path)
    os.makedirs(os.path.join(home, "dags"))
    with open(os.path.join(home, "airc.ini"), "w") as f:
        f.write("[webserver]\n" + config)
    r = subprocess.run([AIRC, "webserver", "--port", str(free_port())], env=dict(os.environ, AIRC_HOME=home),
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr
