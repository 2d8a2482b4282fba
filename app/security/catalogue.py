"""The account-hardening checklist as data (docs/ACCOUNT_SECURITY.md §3).

Texts are stored in both languages in the data (they are content, not interface
strings) and picked by the reader's locale with `ChecklistItem.text()`.
Three sources add up to the checklist of one account:

- `BUILTIN_ITEMS` below (G1–G11 for every account, M*/X*/Y*/T* per platform);
- items from plugins: `extra_items_from_plugins(app)` reads the list kept at
  `app.extensions[PLUGIN_ITEMS_KEY]` (the plugin system fills it from its
  `security_checklist_items()` hook at start-up; tests may set it directly);
- an organisation's own items (`app.models.security.CustomItem`, with its
  regulation reference), inherited by every organisation below it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import Flask, current_app

#: `app.extensions` key holding checklist items contributed by plugins.
PLUGIN_ITEMS_KEY = "warta_security_extra_items"

META_PLATFORMS = frozenset({"facebook", "instagram"})
ALL_PLATFORMS = frozenset({"*"})


class Severity(StrEnum):
    CRITICAL = "critical"  # direct takeover path
    HIGH = "high"  # widens the takeover path or weakens recovery
    MEDIUM = "medium"  # detection and hygiene
    LOW = "low"  # anti-impersonation and trust


#: Weight of each severity in the account score.
SEVERITY_WEIGHT = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class Verification(StrEnum):
    API = "api"  # checked automatically through the adapter's account_facts()
    ATTESTED = "attested"  # a person declares it with evidence; a security officer reviews
    ENFORCED = "enforced"  # guaranteed by Warta itself


class Trigger(StrEnum):
    """Events that make an item due again immediately."""

    MEMBER_CHANGE = "member_change"  # an admin or PIC joins, leaves or changes role
    RECOVERY_CHANGE = "recovery_change"  # the recovery phone or SIM changed
    PLATFORM_ALERT = "platform_alert"  # a platform security alert
    SUPPORT_2FA_DISABLED = "support_2fa_disabled"  # platform support switched 2FA off
    INCIDENT = "incident"  # any incident (every attested item of the account)


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item; `title`, `explanation`, `evidence` map locale → text."""

    id: str
    title: dict[str, str]
    explanation: dict[str, str]
    evidence: dict[str, str]
    severity: Severity
    verification: Verification
    #: Days an accepted attestation (or API result) stays valid; None: only events make it due.
    interval_days: int | None
    platforms: frozenset[str] = ALL_PLATFORMS
    triggers: frozenset[Trigger] = frozenset()
    #: Name of the automatic check (app.security.checks) used when the API exposes it.
    api_check: str | None = None
    regulation_reference: str = ""
    source: str = "builtin"  # "builtin", "plugin" or "organisation:<id>"
    organisation_id: int | None = None

    def applies_to(self, platform: str) -> bool:
        return "*" in self.platforms or platform in self.platforms

    def text(self, part: str, locale: Any) -> str:
        """`part` ("title", "explanation", "evidence") in `locale`, falling back to Indonesian."""
        texts: dict[str, str] = getattr(self, part)
        code = str(locale or "id").split("_")[0]
        return texts.get(code) or texts.get("id") or texts.get("en") or ""

    @property
    def is_critical(self) -> bool:
        return self.severity == Severity.CRITICAL


def _item(item_id: str, sev: Severity, ver: Verification, interval: int | None, *,
          title: tuple[str, str], why: tuple[str, str], evidence: tuple[str, str],
          platforms: Iterable[str] = ("*",), triggers: Iterable[Trigger] = (),
          api_check: str | None = None) -> ChecklistItem:
    """Build an item from (Indonesian, English) pairs."""
    return ChecklistItem(
        id=item_id,
        title={"id": title[0], "en": title[1]},
        explanation={"id": why[0], "en": why[1]},
        evidence={"id": evidence[0], "en": evidence[1]},
        severity=sev,
        verification=ver,
        interval_days=interval,
        platforms=frozenset(platforms),
        triggers=frozenset(triggers),
        api_check=api_check,
    )


C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
API, ATT, APP = Verification.API, Verification.ATTESTED, Verification.ENFORCED
MEMBER, RECOVERY, ALERT, SUPPORT = (Trigger.MEMBER_CHANGE, Trigger.RECOVERY_CHANGE, Trigger.PLATFORM_ALERT,
                                    Trigger.SUPPORT_2FA_DISABLED)
META, X, YT, TT = META_PLATFORMS, ("x",), ("youtube",), ("tiktok",)

BUILTIN_ITEMS: tuple[ChecklistItem, ...] = (
    # -- 3.1 every account ------------------------------------------------------
    _item("G1", H, APP, 90, api_check="register_complete",
          title=("Akun tercatat di register: platform, handle, OPD pemilik, PIC, semua admin",
                 "Account in the register: platform, handle, owning OPD, PIC, all admins"),
          why=("Akun yang tidak tercatat tidak bisa diamankan; tutup akun yang tidak aktif.",
               "An account that is not inventoried cannot be secured; close inactive accounts."),
          evidence=("Catatan register di Warta, disahkan Kabid/Kadis",
                    "Register record in Warta, signed off by the Kabid/Kadis")),
    _item("G2", C, ATT, 30, triggers=(RECOVERY, ALERT),
          title=("Email pendaftaran/pemulihan adalah kotak surat resmi dinas dengan MFA sendiri",
                 "Registration/recovery email is an official agency mailbox with its own MFA"),
          why=("Bukan Gmail pribadi. Pada kasus Pemkot Solo 2021 penyerang mengganti email akun.",
               "Not a personal Gmail. In the Solo 2021 takeover the attacker changed the account email."),
          evidence=("Tangkapan layar info kontak platform (disamarkan) + tangkapan layar MFA kotak surat",
                    "Platform contact-info screenshot (masked) + mailbox MFA screenshot")),
    _item("G3", C, ATT, 30, triggers=(RECOVERY,),
          title=("Nomor pemulihan adalah SIM dinas yang aktif, tidak dipublikasikan, dengan proteksi SIM-swap",
                 "Recovery phone is an agency SIM, kept active, unpublished, with SIM-swap protection"),
          why=("Nomor prabayar tidak boleh hangus lalu didaur ulang; SIM swap dipakai pada kasus SEC 2024.",
               "A prepaid number must not lapse and be recycled; a SIM swap was used against the SEC in 2024."),
          evidence=("Bukti kepemilikan SIM (surat/tagihan); tanggal isi ulang atau tagihan terakhir",
                    "SIM ownership record (letter/invoice); last top-up or bill date")),
    _item("G4", H, ATT, 90, triggers=(MEMBER,),
          title=("Kata sandi unik ≥15 karakter di pengelola sandi organisasi; tidak pernah dibagikan lewat chat",
                 "Unique password of 15+ characters in an organisational password manager; never shared in chat"),
          why=("Kata sandi lemah dan dibagikan menjadi penyebab kasus Ciamis 2025.",
               "Weak and shared passwords caused the Ciamis 2025 incident."),
          evidence=("Metadata entri brankas (tanpa rahasia)", "Vault entry metadata (no secret)")),
    _item("G5", H, ATT, 90, triggers=(MEMBER,),
          title=("Akses pegawai/vendor yang keluar atau pindah dicabut dalam 1 hari kerja",
                 "Access of leaving or moving staff and vendors removed within 1 working day"),
          why=("Akses yang tertinggal adalah jalan masuk; tinjau setiap ada perubahan anggota.",
               "Left-over access is a way in; review on every change of members."),
          evidence=("Tiket pencabutan + daftar akses setelah pencabutan", "Leaver ticket + post-removal access list")),
    _item("G6", H, ATT, 90, triggers=(MEMBER,),
          title=("2 sampai 5 admin kendali penuh, semuanya pegawai bernama dengan akun pribadi masing-masing",
                 "2 to 5 full-control admins, all named staff on individual accounts"),
          why=("Mencegah terkunci (minimal 2) dan hak berlebih (maksimal 5).",
               "Avoids lock-out (at least 2) and over-privilege (at most 5)."),
          evidence=("Tangkapan layar daftar akses", "Access-list screenshot")),
    _item("G7", M, ATT, 90,
          title=("Perangkat admin: kunci layar, OS terbaru, tanpa Wi-Fi publik, dihapus sebelum dijual",
                 "Admin devices: screen lock, current OS, no public Wi-Fi, wiped before resale"),
          why=("Kasus Pemkab Tangerang 2023 terjadi pada handphone admin.",
               "The Tangerang 2023 incident happened on an admin's phone."),
          evidence=("Daftar perangkat + tangkapan layar kunci layar/MDM", "Device list + MDM/screen-lock screenshot")),
    _item("G8", H, ATT, 365, triggers=(Trigger.INCIDENT,),
          title=("Rencana tanggap insiden: kontak dukungan pemerintah tiap platform, CSIRT/BSSN, Kominfo, polisi siber",
                 "Incident-response plan: platform government-support contacts, CSIRT/BSSN, Kominfo, police cyber unit"),
          why=("Pemulihan cepat bergantung pada jalur eskalasi yang disiapkan sebelumnya.",
               "Fast recovery depends on escalation paths arranged beforehand."),
          evidence=("Dokumen rencana + tanggal latihan terakhir", "Plan + last drill date")),
    _item("G9", M, ATT, 180,
          title=("Akun resmi ganda atau tidak aktif ditutup atau diamankan",
                 "Dormant or duplicate official accounts closed or secured"),
          why=("Akun terbengkalai mudah diambil alih dan dipakai untuk menipu.",
               "Abandoned accounts are easy to take over and use for impersonation."),
          evidence=("Daftar akun + tangkapan layar penutupan", "List + closure screenshots")),
    _item("G10", M, ATT, 365,
          title=("Admin dilatih mengenali phishing (DM palsu \"hak cipta Meta/Instagram\", dukungan palsu)",
                 "Admins trained to recognise phishing (fake \"Meta/Instagram copyright\" DMs, fake support)"),
          why=("Instagram tidak pernah mengirim DM soal pelanggaran; kasus AP 2013 bermula dari phishing.",
               "Instagram never sends DMs about violations; the AP 2013 hijack started with phishing."),
          evidence=("Daftar hadir pelatihan", "Training attendance")),
    _item("G11", M, APP, 1, api_check="token",
          title=("Semua publikasi lewat Warta dengan persetujuan; koneksi Warta sehat",
                 "All publishing goes through Warta with approval; Warta's connection is healthy"),
          why=("Persetujuan sebelum tayang; token yang valid berarti Warta dapat memantau dan menerbitkan.",
               "Approve before publishing; a valid token means Warta can monitor and publish."),
          evidence=("Log persetujuan dan status token (otomatis)", "Approval log and token status (automatic)")),
    # -- 3.2 Meta ---------------------------------------------------------------
    _item("M1", C, ATT, 30, platforms=META, triggers=(MEMBER, ALERT),
          title=("Setiap orang dengan akses Facebook ke Halaman mengaktifkan 2FA di akun pribadinya",
                 "Everyone with Facebook access to the Page has 2FA on their personal account"),
          why=("Pengambilalihan Halaman terjadi lewat profil admin.", "Page takeovers go through admin profiles."),
          evidence=("Per orang: Pusat Akun → Kata sandi dan keamanan → Autentikasi dua faktor",
                    "Per person: Accounts Center → Password and security → Two-factor authentication")),
    _item("M2", H, ATT, 180, platforms=META,
          title=("Halaman dan IG dimiliki portofolio Bisnis milik instansi (bukan profil pribadi atau BM vendor)",
                 "Page and IG owned by the agency's Business portfolio (not a personal profile or vendor BM)"),
          why=("Menghindari sengketa kepemilikan dan risiko vendor.", "Avoids ownership disputes and vendor risk."),
          evidence=("Pengaturan Bisnis → Akun → Halaman", "Business Settings → Accounts → Pages")),
    _item("M3", H, ATT, 30, platforms=META, api_check="meta_business_2fa",
          title=("2FA portofolio Bisnis wajib untuk Semua Orang", "Business portfolio 2FA required for Everyone"),
          why=("Memaksakan M1 bagi semua pengguna Business Manager.", "Enforces M1 for every Business Manager user."),
          evidence=("Pengaturan → Info portofolio Bisnis (atau otomatis bila izin business_management ada)",
                    "Settings → Business portfolio info (or automatic with the business_management grant)")),
    _item("M4", H, ATT, 30, platforms=META, triggers=(MEMBER,),
          title=("Metode 2FA aplikasi autentikator, kunci keamanan atau passkey; bukan hanya SMS",
                 "2FA method is an authenticator app, security key or passkey; SMS is not the only method"),
          why=("NIST membatasi SMS; SIM swap mengalahkan 2FA lewat SMS.", "NIST restricts SMS; a SIM swap defeats SMS 2FA."),
          evidence=("Tangkapan layar yang sama dengan M1", "Same screenshot as M1")),
    _item("M5", H, ATT, 90, platforms=META, triggers=(MEMBER,),
          title=("Kendali penuh terbatas (G6); lainnya hanya akses tugas; tanpa akun bersama/samaran",
                 "Full control limited (G6); others task access only; no shared or nickname accounts"),
          why=("Peran Halaman yang berlebihan memperluas jalan pengambilalihan.",
               "Excess Page roles widen the takeover path."),
          evidence=("Halaman → Kelola → Akses Halaman", "Page → Manage → Page access")),
    _item("M6", C, ATT, 30, platforms=META, triggers=(RECOVERY, ALERT),
          title=("Instagram: 2FA aktif, peringatan login aktif, sesi \"Tempat Anda login\" ditinjau",
                 "Instagram: 2FA on, login alerts on, \"Where you're logged in\" reviewed"),
          why=("Kasus Pemkot Solo 2021 dan PALI: email diganti, diduga tanpa 2FA.",
               "Solo 2021 and PALI: email changed, no 2FA suspected."),
          evidence=("Tangkapan layar pemeriksaan keamanan Pusat Akun", "Accounts Center security-check screenshots")),
    _item("M7", M, ATT, 90, platforms=META, triggers=(MEMBER,),
          title=("Peringatan login tak dikenal Facebook aktif untuk setiap admin",
                 "Facebook alerts about unrecognised logins on for each admin"),
          why=("Deteksi dini.", "Early detection."),
          evidence=("Tangkapan layar pengaturan", "Settings screenshot")),
    _item("M8", M, ATT, 90, platforms=META, triggers=(ALERT,),
          title=("Integrasi bisnis / aplikasi terhubung ditinjau; yang tidak dikenal dihapus",
                 "Business integrations / connected apps reviewed; unknown ones removed"),
          why=("Token pihak ketiga disalahgunakan pada kasus Buffer 2013.", "Third-party tokens were abused in Buffer 2013."),
          evidence=("Tangkapan layar Integrasi Bisnis", "Business Integrations screenshot")),
    _item("M9", M, ATT, 30, platforms=META,
          title=("Log pengaturan bisnis ditinjau untuk admin/aset baru", "Business setting logs reviewed for new admins/assets"),
          why=("Mendeteksi pengambilalihan diam-diam.", "Detects a silent takeover."),
          evidence=("Ekspor log", "Log export")),
    _item("M10", L, ATT, 90, platforms=META, api_check="verified_badge",
          title=("Lencana terverifikasi / verifikasi pemerintah diajukan; nama Halaman sesuai penamaan resmi",
                 "Verified badge / government verification requested; Page name follows official naming"),
          why=("Mencegah peniruan; unggahan palsu dari akun terverifikasi tampak benar.",
               "Prevents impersonation; false posts from verified accounts look true."),
          evidence=("Tangkapan layar profil", "Profile screenshot")),
    # -- 3.3 X ------------------------------------------------------------------
    _item("X1", C, ATT, 30, platforms=X, triggers=(MEMBER, ALERT),
          title=("2FA lewat aplikasi autentikasi atau kunci keamanan/passkey; tanpa SMS",
                 "2FA via authentication app or security key/passkey; no SMS"),
          why=("Kasus SEC 2024; 2FA SMS di X hanya untuk akun berbayar sejak Maret 2023.",
               "SEC 2024; SMS 2FA on X is paid-only since March 2023."),
          evidence=("Keamanan → Autentikasi dua faktor", "Security → Two-factor authentication")),
    _item("X2", C, ATT, None, platforms=X, triggers=(SUPPORT,),
          title=("2FA tidak pernah dimatikan sebagai solusi dukungan; bila dimatikan, diaktifkan lagi di hari yang sama",
                 "2FA never disabled as a support workaround; if disabled, re-enabled the same day"),
          why=("SEC: 2FA dimatikan oleh X Support Juli 2023 dan tetap mati 6 bulan.",
               "SEC: 2FA disabled by X Support in July 2023 stayed off for 6 months."),
          evidence=("Tiket pemulihan + tangkapan layar aktivasi ulang", "Recovery ticket + re-enable screenshot")),
    _item("X3", H, ATT, None, platforms=X, triggers=(MEMBER,),
          title=("Kode cadangan disimpan di brankas organisasi", "Backup code stored in the organisation's vault"),
          why=("Ketahanan bila terkunci. Jangan unggah kodenya!", "Lock-out resilience. Never upload the code itself!"),
          evidence=("Metadata entri brankas", "Vault entry metadata")),
    _item("X4", H, ATT, 90, platforms=X,
          title=("Perlindungan reset kata sandi aktif", "Password reset protect on"),
          why=("Mencegah reset lewat satu saluran saja.", "Blocks a reset through one channel alone."),
          evidence=("Tangkapan layar keamanan", "Security screenshot")),
    _item("X5", C, ATT, 30, platforms=X, triggers=(RECOVERY,),
          title=("Email/telepon sesuai G2/G3; nomor telepon tidak dapat ditemukan orang lain",
                 "Email/phone per G2/G3; phone not discoverable"),
          why=("Penyerang SEC tahu nomor telepon yang harus di-SIM-swap.",
               "The SEC attackers knew which phone number to SIM-swap."),
          evidence=("Info akun (disamarkan)", "Account information (masked)")),
    _item("X6", H, ATT, 30, platforms=X, triggers=(ALERT, MEMBER),
          title=("Aplikasi terhubung ditinjau; sesi lain dikeluarkan", "Connected apps reviewed; other sessions logged out"),
          why=("Penyalahgunaan token.", "Token abuse."),
          evidence=("Tangkapan layar aplikasi terhubung + sesi", "Connected apps + sessions screenshots")),
    _item("X7", L, API, 1, platforms=X, api_check="verified_badge",
          title=("Centang pemerintah (abu-abu) / verifikasi dipantau", "Government (grey) checkmark / verification monitored"),
          why=("Lencana hilang setelah pengambilalihan; mencegah peniruan.",
               "Badge loss after a takeover; prevents impersonation."),
          evidence=("Otomatis (users/me verified_type)", "Automatic (users/me verified_type)")),
    # -- 3.4 YouTube / Google -----------------------------------------------------
    _item("Y1", H, ATT, 180, platforms=YT,
          title=("Kanal di Akun Merek; pemilik utama akun Google milik instansi",
                 "Channel on a Brand Account; primary owner an agency-controlled Google account"),
          why=("Pemulihan dan kesinambungan.", "Recovery and continuity."),
          evidence=("Studio → Setelan → Izin", "Studio → Settings → Permissions")),
    _item("Y2", C, ATT, 30, platforms=YT, triggers=(MEMBER, ALERT),
          title=("Setiap Pemilik/Pengelola memakai Verifikasi 2 Langkah, sebaiknya passkey/kunci keamanan",
                 "Every Owner/Manager uses 2-Step Verification, preferably passkey/security key"),
          why=("Kasus DPR RI 2023 dan British Army 2022.", "DPR RI 2023 and British Army 2022 incidents."),
          evidence=("myaccount.google.com/security per orang", "myaccount.google.com/security per person")),
    _item("Y3", H, ATT, 365, platforms=YT,
          title=("Kanal profil tinggi: pemilik utama di Program Perlindungan Lanjutan",
                 "High-profile channels: primary owner in Advanced Protection"),
          why=("Tingkat perlindungan Google untuk pejabat terpilih.", "Google's tier for elected officials."),
          evidence=("Tangkapan layar status APP", "Advanced Protection status screenshot")),
    _item("Y4", H, ATT, 90, platforms=YT, triggers=(MEMBER,),
          title=("Izin kanal di YouTube Studio; peran seminimal mungkin; tanpa berbagi kata sandi",
                 "Permissions in YouTube Studio channel permissions; least privilege; no password sharing"),
          why=("Rekomendasi YouTube untuk mencegah berbagi kata sandi.", "YouTube's advice against password sharing."),
          evidence=("Daftar izin", "Permissions list")),
    _item("Y5", H, ATT, 30, platforms=YT, triggers=(RECOVERY, ALERT),
          title=("Pemeriksaan Keamanan Google: pemulihan, perangkat, aplikasi pihak ketiga ditinjau",
                 "Google Security Checkup: recovery, signed-in devices, third-party apps reviewed"),
          why=("Pencurian token / pembajakan sesi.", "Token theft / session hijack."),
          evidence=("Tangkapan layar Pemeriksaan Keamanan", "Security Checkup screenshot")),
    _item("Y6", M, API, 1, platforms=YT, api_check="profile_watch",
          title=("Pemantauan pembajakan: perubahan judul/branding atau siaran langsung tak terduga",
                 "Hijack monitoring: title/branding change or unexpected live broadcast"),
          why=("DPR RI (judi slot) dan British Army (kripto): ganti nama + siaran langsung.",
               "DPR RI (slot gambling) and British Army (crypto) both showed a rename + livestream."),
          evidence=("Log peringatan (otomatis)", "Alert log (automatic)")),
    # -- 3.5 TikTok --------------------------------------------------------------
    _item("T1", C, ATT, 30, platforms=TT, triggers=(MEMBER, RECOVERY, ALERT),
          title=("Verifikasi 2 langkah dengan ≥2 metode, yang terkuat (passkey bila ada); pemulihan sesuai G2/G3",
                 "2-step verification with 2+ methods, the strongest offered (passkey where available); recovery per G2/G3"),
          why=("FAQ keamanan TikTok.", "TikTok security FAQ."),
          evidence=("Keamanan → Verifikasi 2 langkah", "Security → 2-step verification")),
    _item("T2", H, ATT, 30, platforms=TT, triggers=(ALERT, MEMBER),
          title=("Kelola perangkat ditinjau; yang tidak dikenal dihapus", "Manage devices reviewed; unknown removed"),
          why=("Pembajakan sesi.", "Session hijack."),
          evidence=("Tangkapan layar perangkat", "Devices screenshot")),
    _item("T3", M, ATT, 30, platforms=TT, triggers=(ALERT,),
          title=("Peringatan keamanan ditinjau", "Security alerts reviewed"),
          why=("Deteksi.", "Detection."),
          evidence=("Tangkapan layar peringatan keamanan", "Security alerts screenshot")),
    _item("T4", H, ATT, 90, platforms=TT,
          title=("Tidak login lewat Facebook/Google pribadi staf; login tertaut memenuhi G2",
                 "No login via a staffer's personal Facebook/Google; any linked login meets G2"),
          why=("TikTok tidak mengirim kode untuk login sosial.", "TikTok sends no codes for social login."),
          evidence=("Kelola akun → metode login", "Manage account → login methods")),
    _item("T5", H, ATT, 90, platforms=TT, triggers=(MEMBER,),
          title=("Business Center: 2SV untuk Semua anggota, ≥2 admin, daftar domain email, pengguna tidak aktif dihapus",
                 "Business Center: 2SV for All members, 2+ admins, email-domain allowlist, inactive users removed"),
          why=("Praktik terbaik TikTok Business Center.", "TikTok Business Center best practice."),
          evidence=("BC Setelan → Keamanan", "BC Settings → Security")),
    _item("T6", M, ATT, 90, platforms=TT,
          title=("Izin aplikasi pihak ketiga ditinjau", "Third-party app permissions reviewed"),
          why=("Penyalahgunaan token.", "Token abuse."),
          evidence=("Tangkapan layar", "Screenshot")),
    _item("T7", L, API, 1, platforms=TT, api_check="verified_badge",
          title=("Lencana verifikasi dipantau", "Verification badge monitored"),
          why=("Mencegah peniruan.", "Prevents impersonation."),
          evidence=("Otomatis (/v2/user/info is_verified)", "Automatic (/v2/user/info is_verified)")),
)


def builtin_items() -> tuple[ChecklistItem, ...]:
    return BUILTIN_ITEMS


def item_from_mapping(data: dict[str, Any], source: str = "plugin") -> ChecklistItem:
    """A `ChecklistItem` from a plugin's plain dict (same field names; texts as {"id":..., "en":...})."""
    return ChecklistItem(
        id=str(data["id"]),
        title=dict(data["title"]),
        explanation=dict(data.get("explanation") or {}),
        evidence=dict(data.get("evidence") or {}),
        severity=Severity(data["severity"]),
        verification=Verification(data.get("verification", Verification.ATTESTED)),
        interval_days=data.get("interval_days"),
        platforms=frozenset(data.get("platforms") or ("*",)),
        triggers=frozenset(Trigger(t) for t in data.get("triggers") or ()),
        api_check=data.get("api_check"),
        regulation_reference=str(data.get("regulation_reference") or ""),
        source=source,
    )


def extra_items_from_plugins(app: Flask | None = None) -> list[ChecklistItem]:
    """Items contributed by plugins, from `app.extensions[PLUGIN_ITEMS_KEY]` (items or dicts).

    The plugin system stores there, at start-up, the flattened results of the
    `security_checklist_items()` hook. An id that repeats a built-in one is refused.
    """
    app = app or current_app
    builtin_ids = {item.id for item in BUILTIN_ITEMS}
    items: list[ChecklistItem] = []
    for entry in app.extensions.get(PLUGIN_ITEMS_KEY, []):
        item = entry if isinstance(entry, ChecklistItem) else item_from_mapping(entry)
        if item.id in builtin_ids:
            raise ValueError(f"plugin checklist item {item.id!r} repeats a built-in item id")
        items.append(item)
    return items
