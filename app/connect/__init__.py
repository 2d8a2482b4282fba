"""Connecting platform accounts through the platform's OAuth consent (blueprint `connect`).

`/connect/<platform>` binds a random `state` (and a PKCE verifier) to the
session and sends the admin to the platform. The callback verifies the state,
exchanges the code, keeps the found accounts' tokens encrypted in Redis for 15
minutes (never in the cookie) and shows them; the admin picks an organisation
for each, and the chosen ones are stored encrypted with their /debug_token facts.
"""
