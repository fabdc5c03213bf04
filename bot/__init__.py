"""Tanya Pemilu: bot Telegram edukasi pemilih Pemilu 2024."""
