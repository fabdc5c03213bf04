"""Fixed texts citizens see (not FAQ answers: those live in responses/)."""

from __future__ import annotations

START = (
    "Halo, {name}! Saya <b>Tanya Pemilu</b>, asisten informasi Pemilu 2024 dari Diskominfo.\n"
    "Tanyakan jadwal, cara mencoblos, daftar pemilih, pindah memilih, atau cara mengenali hoaks; "
    "setiap jawaban disertai sumber resminya.\n\n"
    "Ketik pertanyaan Anda, atau pilih topik:"
)
HELP = (
    "<b>Cara memakai Tanya Pemilu</b>\n"
    "• Ketik pertanyaan biasa, misalnya <i>kapan pemilu?</i>, <i>bawa apa ke TPS?</i>, "
    "<i>cara cek DPT</i>, atau <i>gimana lapor hoaks?</i>\n"
    "• Setiap jawaban menyebut sumbernya; bacalah sumber itu untuk rinciannya.\n"
    "• Dapat pesan berantai soal pemilu? Teruskan ke sini, atau balas pesan itu dengan /cekhoaks: "
    "bot mencocokkannya dengan klaim yang sudah diperiksa.\n"
    "• Bot ini netral: tidak menyarankan calon atau partai mana pun.\n\n"
    "Perintah: /start menu topik · /cekhoaks cek pesan · /langganan pengumuman · /berhenti · "
    "/status · /bantuan"
)
HELP_WEB = (
    "<b>Cara memakai Tanya Pemilu</b>\n"
    "• Ketik pertanyaan biasa, misalnya <i>kapan pemilu?</i>, <i>bawa apa ke TPS?</i>, "
    "<i>cara cek DPT</i>, atau <i>gimana lapor hoaks?</i>\n"
    "• Setiap jawaban menyebut sumbernya; bacalah sumber itu untuk rinciannya.\n"
    "• Dapat pesan berantai soal pemilu? Tempel isinya di sini dan tanyakan <i>bener gak?</i>: "
    "bot mencocokkannya dengan klaim yang sudah diperiksa.\n"
    "• Bot ini netral: tidak menyarankan calon atau partai mana pun."
)
GREETING = "Halo! Silakan ketik pertanyaan Anda seputar Pemilu 2024, atau pilih topik:"
THANKS = "Sama-sama! Kalau ada pertanyaan lain seputar Pemilu 2024, silakan ketik saja."
NOT_TEXT = (
    "Maaf, saya hanya bisa membaca pesan teks. Silakan ketik pertanyaan Anda, misalnya <i>kapan pemilu?</i>"
)
OFF_TOPIC = (
    "Maaf, saya belum bisa menjawab itu. Saya hanya menjawab pertanyaan seputar Pemilu 2024. "
    "Mungkin salah satu topik ini membantu:"
)
LOW_CONFIDENCE = (
    "Maaf, saya belum bisa menjawab pertanyaan itu dengan yakin. Apakah maksud Anda salah satu ini?"
)
UNKNOWN_BUTTON = "Topik itu sudah tidak tersedia. Silakan ketik pertanyaan Anda."
TOO_LONG = "Pesan Anda terlalu panjang. Mohon tulis pertanyaan singkat, satu pertanyaan per pesan."
FEEDBACK_YES = "👍 Membantu"
FEEDBACK_NO = "👎 Kurang membantu"
FEEDBACK_THANKS = "Terima kasih atas masukannya!"
INLINE_HINT = "Tanya Pemilu di chat pribadi"
NOT_ADMIN = "Maaf, perintah ini hanya untuk staf Diskominfo."
LIMITED_MODE_NOTE = (
    "ℹ️ <i>Mode terbatas: layanan pemahaman bahasa sedang gangguan, jawaban dicocokkan secara sederhana.</i>"
)
LIMITED_MODE_NO_MATCH = (
    "Maaf, layanan pemahaman bahasa sedang gangguan (mode terbatas) dan pertanyaan Anda belum bisa "
    "dicocokkan. Coba pilih topik di bawah, atau tanyakan lagi sebentar lagi."
)
SLOW_DOWN = "Pelan-pelan ya 🙂 Anda mengirim banyak pesan dalam semenit. Tunggu sebentar, lalu tanya lagi."
DELETE_ASK = (
    "Hapus semua data Anda di bot ini? Yang tersimpan hanya ID chat Anda (untuk pengumuman), "
    "status langganan, dan catatan pengiriman siaran. Setelah dihapus, Anda tidak menerima pengumuman lagi."
)
DELETE_DONE = "Data Anda sudah dihapus. Anda tetap bisa bertanya kapan saja."
COMMANDS = [
    ("start", "Mulai dan lihat topik"),
    ("bantuan", "Cara memakai bot"),
    ("cekhoaks", "Cek pesan berantai: balas pesannya dengan /cekhoaks"),
    ("langganan", "Berlangganan pengumuman Pemilu"),
    ("berhenti", "Berhenti berlangganan"),
    ("status", "Status langganan Anda"),
    ("hapusdata", "Hapus data Anda dari bot"),
]
