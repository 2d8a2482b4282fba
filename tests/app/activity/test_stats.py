"""Activity figures: windows, weeks in the organisation's zone, active status, the cache."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.activity import stats
from app.activity.weeks import period_weeks, week_bounds
from app.extensions import db
from app.models import Membership, OrgKind, Role, TargetState
from tests.app.activity.helpers import publish

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # a Wednesday


def _rows(user):
    return db.session.execute(stats.organisation_rows(user)).all()


def _by_name(tree):
    return {o.name: o for o in tree.organisations}


def test_counts_weeks_and_active_status(app, factory):
    root = factory.org("Pemkot", kind=OrgKind.DISKOMINFO)
    busy = factory.org("Dinas Rajin", parent=root)
    patchy = factory.org("Dinas Kadang", parent=root)
    factory.org("Dinas Diam", parent=root)
    viewer = factory.user(root, Role.VIEWER)
    author = factory.user(busy, Role.ADMIN)
    ig, x = factory.account(busy, "instagram"), factory.account(busy, "x")
    patchy_ig = factory.account(patchy, "instagram")
    bounds = week_bounds(NOW, busy.timezone, stats.TREND_WEEKS)
    for week in range(stats.TREND_WEEKS - 4, stats.TREND_WEEKS):  # the last 4 complete weeks
        for n in range(3):
            publish(busy, author, [ig, x], bounds[week] + timedelta(days=1, hours=n))
    for week in (stats.TREND_WEEKS - 1, stats.TREND_WEEKS - 2):  # only 2 of 4 weeks
        for n in range(3):
            publish(patchy, author, [patchy_ig], bounds[week] + timedelta(days=2, hours=n))
    publish(patchy, author, [patchy_ig], NOW - timedelta(hours=1))  # this week: not a complete week
    publish(patchy, author, [patchy_ig], NOW - timedelta(days=200))  # only counts for "last post"

    tree = stats.compute(_rows(viewer), now=NOW)
    orgs = _by_name(tree)
    assert tree.active_count == 1 and len(tree.organisations) == 4
    assert orgs["Dinas Rajin"].active and orgs["Dinas Rajin"].weeks_met == 4
    assert orgs["Dinas Rajin"].weekly[-4:] == [3, 3, 3, 3]  # a post on two platforms counts once
    platforms = {p.platform: p for p in orgs["Dinas Rajin"].platforms}
    assert set(platforms) == {"instagram", "x"} and platforms["x"].weekly[-4:] == [3, 3, 3, 3]
    assert orgs["Dinas Kadang"].weeks_met == 2 and not orgs["Dinas Kadang"].active
    assert orgs["Dinas Kadang"].counts[7] >= 1
    assert orgs["Dinas Kadang"].counts[90] == 7
    assert orgs["Dinas Kadang"].days_since_last_post(NOW) == 0
    assert orgs["Dinas Diam"].last_post_at is None and orgs["Dinas Diam"].counts == {7: 0, 30: 0, 90: 0}
    assert tree.weekly_total[-1] == 3 + 3


def test_target_changes_the_status(app, factory):
    org = factory.org("Dinas Santai")
    org.posts_per_week_target = 1
    db.session.commit()
    viewer = factory.user(org, Role.VIEWER)
    account = factory.account(org, "facebook")
    bounds = week_bounds(NOW, org.timezone, stats.TREND_WEEKS)
    for week in range(stats.TREND_WEEKS - 3, stats.TREND_WEEKS):
        publish(org, viewer, [account], bounds[week] + timedelta(hours=30))
    assert stats.compute(_rows(viewer), now=NOW).organisations[0].active
    org.posts_per_week_target = 2
    db.session.commit()
    assert not stats.compute(_rows(viewer), now=NOW).organisations[0].active


def test_weeks_follow_each_organisations_zone(app, factory):
    """Sunday 23:30 WIT and Monday 00:30 WIB are both Sunday afternoon UTC, in different weeks."""
    papua = factory.org("Distrik Jayapura", timezone="Asia/Jayapura")
    java = factory.org("Dinas Bogor", timezone="Asia/Jakarta")
    user = factory.user(papua, Role.VIEWER)
    db.session.add(Membership(user_id=user.id, organisation_id=java.id, role=Role.VIEWER))
    db.session.commit()
    papua_account, java_account = factory.account(papua, "x"), factory.account(java, "x")
    publish(papua, user, [papua_account], datetime(2026, 11, 22, 14, 30, tzinfo=UTC))  # Sun 23:30 WIT
    publish(java, user, [java_account], datetime(2026, 11, 22, 17, 30, tzinfo=UTC))  # Mon 00:30 WIB
    orgs = _by_name(stats.compute(_rows(user), now=NOW))
    assert orgs["Distrik Jayapura"].weekly[-1] == 1  # the last complete week (16–22 Nov)
    assert orgs["Dinas Bogor"].weekly[-1] == 0  # the current week (from 23 Nov), not complete
    assert orgs["Dinas Bogor"].counts[7] == 1


def test_only_published_targets_count(app, factory):
    org = factory.org("Dinas Uji")
    user = factory.user(org, Role.ADMIN)
    account = factory.account(org, "instagram")
    post = publish(org, user, [account], NOW - timedelta(days=1))
    post.targets[0].state = TargetState.FAILED
    db.session.commit()
    tree = stats.compute(_rows(user), now=NOW)
    assert tree.organisations[0].counts[7] == 0 and tree.organisations[0].last_post_at is None


def test_a_user_sees_only_their_tree(app, factory):
    mine, foreign = factory.org("Pemkab Kita"), factory.org("Pemkab Lain")
    user = factory.user(mine, Role.VIEWER)
    names = [o.name for o in stats.compute(_rows(user), now=NOW).organisations]
    assert names == ["Pemkab Kita"] and foreign.name not in names


def test_cache_round_trip_and_key_follows_targets(app, factory):
    app.config["WARTA_ACTIVITY_CACHE_SECONDS"] = 60
    org = factory.org("Dinas Cache")
    user = factory.user(org, Role.VIEWER)
    account = factory.account(org, "tiktok")
    publish(org, user, [account], datetime.now(UTC) - timedelta(days=2))
    first = stats.tree_activity(_rows(user))
    publish(org, user, [account], datetime.now(UTC) - timedelta(days=1))
    cached = stats.tree_activity(_rows(user))
    assert cached == first and cached.organisations[0].counts[7] == 1  # served from Redis
    org.posts_per_week_target = 5  # a new target is a new key: computed afresh
    db.session.commit()
    fresh = stats.tree_activity(_rows(user))
    assert fresh.organisations[0].counts[7] == 2 and fresh.organisations[0].target == 5
    app.config["WARTA_ACTIVITY_CACHE_SECONDS"] = 0
    publish(org, user, [account], datetime.now(UTC) - timedelta(hours=1))
    assert stats.tree_activity(_rows(user)).organisations[0].counts[7] == 3


def test_period_weeks_are_complete_weeks_inside_the_period():
    from datetime import date

    assert period_weeks(date(2026, 11, 1), date(2026, 11, 30)) == [
        date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert period_weeks(date(2026, 11, 3), date(2026, 11, 8)) == []


def _reference(tree, targets, zones, connected, now):
    """The definitions computed naively from every published target: (org, platform, post, time) tuples;
    every connected platform is listed, with or without posts."""
    expected = {}
    for org_id, zone in zones.items():
        bounds = week_bounds(now, zone, stats.TREND_WEEKS)

        def week(at, bounds=bounds):
            return next((k for k in range(stats.TREND_WEEKS) if bounds[k] <= at < bounds[k + 1]), None)

        mine = [t for t in targets if t[0] == org_id]
        platforms = {}
        for platform in connected[org_id]:
            rows = [t for t in mine if t[1] == platform]
            platforms[platform] = (
                [sum(1 for t in rows if week(t[3]) == k) for k in range(stats.TREND_WEEKS)],
                {d: sum(1 for t in rows if t[3] >= now - timedelta(days=d)) for d in stats.WINDOWS},
                max((t[3] for t in rows), default=None))
        expected[org_id] = (
            [len({t[2] for t in mine if week(t[3]) == k}) for k in range(stats.TREND_WEEKS)],
            {d: len({t[2] for t in mine if t[3] >= now - timedelta(days=d)}) for d in stats.WINDOWS},
            max((t[3] for t in mine), default=None), platforms)
    actual = {o.id: (o.weekly, o.counts, o.last_post_at,
                     {p.platform: (p.weekly, p.counts, p.last_post_at) for p in o.platforms})
              for o in tree.organisations}
    return expected, actual


def test_figures_match_the_definitions_on_mixed_data(app, factory):
    """Random posts on one to three platforms (some targets hours or days apart, across week and window
    edges) in zones with whole-hour, half-hour and daylight-saving offsets: every figure as defined."""
    import random

    rng = random.Random(7)
    root = factory.org("Pemprov Uji", kind=OrgKind.DISKOMINFO)
    zones = ["Asia/Jakarta", "Asia/Jayapura", "Asia/Kolkata", "Australia/Adelaide", "Europe/Berlin"]
    viewer = factory.user(root, Role.VIEWER)
    orgs = [root] + [factory.org(f"Dinas {zone}", parent=root, timezone=zone) for zone in zones]
    author = factory.user(root, Role.ADMIN)
    accounts = {org.id: [factory.account(org, platform) for platform in ("instagram", "x", "facebook")]
                for org in orgs}
    targets = []
    for _ in range(400):
        org = rng.choice(orgs[1:])
        chosen = rng.sample(accounts[org.id], rng.randint(1, 3))
        at = NOW - timedelta(days=rng.uniform(0, 110))
        post = publish(org, author, chosen, at)
        for target in post.targets:  # some targets go out later (retries): hours or days apart
            if rng.random() < 0.3:
                target.published_at = at + timedelta(hours=rng.choice([1, 5, 30, 80]))
        db.session.commit()
        targets += [(org.id, t.account.platform, post.id, t.published_at) for t in post.targets]
    failed = publish(orgs[1], author, accounts[orgs[1].id][:1], NOW - timedelta(days=1))
    failed.targets[0].state = TargetState.FAILED
    db.session.commit()

    tree = stats.compute(_rows(viewer), now=NOW)
    connected = {org_id: {a.platform for a in mine} for org_id, mine in accounts.items()}
    expected, actual = _reference(tree, targets, {o.id: o.timezone for o in orgs}, connected, NOW)
    assert actual == expected
    assert sum(tree.weekly_total) > 100 and any(o.platforms for o in tree.organisations)


def test_a_post_straddling_weeks_counts_in_each_week_and_once_per_window(app, factory):
    org = factory.org("Dinas Tepi")
    viewer = factory.user(org, Role.VIEWER)
    ig, x = factory.account(org, "instagram"), factory.account(org, "x")
    bounds = week_bounds(NOW, org.timezone, stats.TREND_WEEKS)
    post = publish(org, viewer, [ig, x], bounds[-2] - timedelta(minutes=30))  # Sunday 23:30 local
    next(t for t in post.targets if t.account_id == x.id).published_at = bounds[-2] + timedelta(minutes=30)
    db.session.commit()
    activity = stats.compute(_rows(viewer), now=NOW).organisations[0]
    assert activity.weekly[-2:] == [1, 1] and activity.counts == {7: 0, 30: 1, 90: 1}
    assert [p.weekly[-2:] for p in activity.platforms] == [[1, 0], [0, 1]]


def test_last_post_of_platforms_quiet_since_before_the_trend_weeks(app, factory):
    org = factory.org("Dinas Lama")
    viewer = factory.user(org, Role.VIEWER)
    ig, old_ig, x, tiktok = (factory.account(org, "instagram"), factory.account(org, "instagram", handle="lama"),
                             factory.account(org, "x"), factory.account(org, "tiktok"))
    publish(org, viewer, [ig], NOW - timedelta(days=3))
    publish(org, viewer, [old_ig, x], NOW - timedelta(days=200))
    publish(org, viewer, [x], NOW - timedelta(days=300))
    activity = stats.compute(_rows(viewer), now=NOW).organisations[0]
    last = {p.platform: p.last_post_at for p in activity.platforms}
    assert last == {"instagram": NOW - timedelta(days=3), "x": NOW - timedelta(days=200), "tiktok": None}
    assert activity.last_post_at == NOW - timedelta(days=3) and tiktok.platform == "tiktok"
