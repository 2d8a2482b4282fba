"""`make run` starts the simulator in development only."""
from __future__ import annotations

from app.runner import process_specs


def test_process_specs_include_the_simulator_in_development(app):
    app.config["WARTA_SIMULATOR_URL"] = "http://127.0.0.1:5100"
    specs = {s.name: s.argv for s in process_specs(app, "127.0.0.1", 5000)}
    assert specs["simulator"][1:] == ["-m", "simulator", "--host", "127.0.0.1", "--port", "5100"]
    app.config["WARTA_ENV"] = "production"
    assert "simulator" not in {s.name for s in process_specs(app, "127.0.0.1", 5000)}


def test_demo_graph_accounts_exist_in_the_simulator(app):
    from app.demo import seed_demo
    from app.extensions import db
    from app.models import SocialAccount
    from simulator import create_app as create_simulator

    seed_demo()
    db.session.commit()
    sim = create_simulator().test_client()
    for account in db.session.scalars(db.select(SocialAccount).where(
            SocialAccount.platform.in_(["instagram", "facebook"]))):
        from app.crypto import decrypt_json

        token = decrypt_json(account.credentials_encrypted)["access_token"]
        response = sim.get(f"/graph.facebook.com/v25.0/{account.external_id}?fields=id",
                           headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, (account.handle, response.json)
