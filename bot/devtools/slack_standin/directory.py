"""Handlers for who is who: auth.test, users.* and usergroups.*."""

from __future__ import annotations

from bot.devtools.slack_standin.state import Json, _User
from bot.devtools.slack_standin.workspace import _error, _truthy, _Workspace


class _DirectoryMethods(_Workspace):
    """auth.test, users.info/lookupByEmail and usergroups.list/users.list."""

    def _auth_test(self, args: Json) -> Json:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Stand-in Workspace",
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _user_json(self, user: _User) -> Json:
        profile: Json = {
            "real_name": user.real_name,
            "display_name": user.name,
            "real_name_normalized": user.real_name,
            "display_name_normalized": user.name,
            "team": self.team_id,
        }
        if user.email:
            profile["email"] = user.email
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": user.tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }

    def _users_info(self, args: Json) -> Json:
        user = self._users.get(args.get("user", ""))
        if user is None:
            return _error("user_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _users_lookup_by_email(self, args: Json) -> Json:
        email = str(args.get("email", "")).lower()
        user = next((u for u in self._users.values() if u.email and u.email.lower() == email), None)
        if user is None:
            return _error("users_not_found")
        return {"ok": True, "user": self._user_json(user)}

    def _usergroups_list(self, args: Json) -> Json:
        groups = []
        for group in self._usergroups.values():
            entry: Json = {
                "id": group["id"],
                "team_id": self.team_id,
                "is_usergroup": True,
                "name": group["handle"],
                "handle": group["handle"],
                "description": "",
                "date_delete": 0,
                "user_count": len(group["users"]),
            }
            if _truthy(args.get("include_users")):
                entry["users"] = list(group["users"])
            groups.append(entry)
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: Json) -> Json:
        group = self._usergroups.get(args.get("usergroup", ""))
        if group is None:
            return _error("no_such_subteam")
        return {"ok": True, "users": list(group["users"])}
