"""Utas di Komunitas Indonesia."""

from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md

THREADS = (
    ThreadSpec(
        space="komunitas-id",
        kind=QUESTION,
        title="Cara menghubungkan Lumen ke PostgreSQL di AWS RDS?",
        author="budi",
        days_ago=53,
        tags=("postgres", "aws"),
        views=259,
        body=md("""
            Halo semua. Database kami PostgreSQL 14 di AWS RDS (region Jakarta,
            `ap-southeast-3`) dan tidak bisa diakses dari internet. Tes koneksi di Lumen
            selalu gagal dengan:

            ```
            connection to server at "tracking.abc123.ap-southeast-3.rds.amazonaws.com"
            port 5432 failed: timeout expired
            ```

            Apa cara yang aman supaya Lumen bisa membaca database ini?
        """),
        replies=(
            Reply(
                author="sam",
                hours=5,
                official=True,
                accepted=True,
                likes=("budi", "sari"),
                helpful=("budi", "sari"),
                body=md("""
                    Halo Budi! Ada dua cara yang umum dipakai:

                    1. **SSH tunnel lewat bastion host.** Buat instance EC2 kecil di subnet
                       publik, izinkan IP Lumen region APAC (`192.0.2.30` dan `192.0.2.31`)
                       di security group port 22, lalu isi detail bastion di tab
                       **Network** pada konektor.
                    2. **Izinkan IP Lumen langsung** di security group RDS untuk port 5432,
                       jika RDS memang boleh punya endpoint publik.

                    Cara pertama lebih aman karena database tetap tidak terlihat dari
                    internet. Jangan lupa buat user khusus dengan hak `SELECT` saja.
                """),
            ),
            Reply(
                author="budi",
                hours=28,
                body="Sudah pakai bastion dan berhasil. Terima kasih banyak, Sam! 🙏",
            ),
        ),
    ),
    ThreadSpec(
        space="komunitas-id",
        kind=QUESTION,
        title="Format Rupiah di dasbor tidak pakai titik pemisah ribuan",
        author="sari",
        days_ago=29,
        tags=("format-angka", "dasbor"),
        views=187,
        body=md("""
            Angka penjualan di dasbor tampil sebagai `Rp1250000` padahal seharusnya
            `Rp1.250.000`. Sudah saya pilih mata uang IDR di pengaturan kolom, tapi pemisah
            ribuannya tetap tidak muncul. Ada yang tahu caranya?
        """),
        replies=(
            Reply(
                author="budi",
                hours=2,
                accepted=True,
                likes=("sari",),
                helpful=("sari", "sam"),
                body=md("""
                    Coba cek **Pengaturan → Workspace → Bahasa & wilayah**. Kalau di sana
                    masih *English (US)*, format angka mengikuti gaya Amerika dan IDR tanpa
                    desimal jadi aneh begitu. Ganti ke *Bahasa Indonesia (Indonesia)*, lalu di
                    kolomnya pilih format **Mata uang** dengan 0 desimal.
                """),
            ),
            Reply(
                author="sari",
                hours=3,
                body="Betul, masih English (US). Sekarang sudah Rp1.250.000. Makasih, Budi!",
            ),
            Reply(
                author="sam",
                hours=6,
                official=True,
                likes=("budi",),
                body=md("""
                    Terima kasih, @budi. Sebagai tambahan: pengaturan wilayah workspace juga
                    dipakai untuk laporan PDF terjadwal, jadi laporan yang dikirim lewat
                    e-mail sekarang ikut memakai format Rupiah yang benar.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="komunitas-id",
        kind=DISCUSSION,
        title="Berbagi pengalaman: laporan penjualan harian untuk kepala toko",
        author="sari",
        days_ago=17,
        tags=("laporan", "ritel"),
        views=132,
        likes=("budi", "sam", "lucia"),
        body=md("""
            Kami punya 14 kedai kopi di Bandung dan sekitarnya. Setiap pagi jam 07.00 kepala
            toko menerima laporan singkat berisi:

            - omzet kemarin dibanding hari yang sama minggu lalu,
            - tiga menu terlaris,
            - stok susu dan biji kopi yang hampir habis.

            Laporannya sengaja dibuat satu layar HP saja. Bagaimana dengan kalian? Metrik
            apa yang paling berguna untuk tim di lapangan?
        """),
        replies=(
            Reply(
                author="budi",
                hours=4,
                likes=("sari",),
                body=md("""
                    Di tempat kami (logistik), yang paling dipakai tim gudang justru jumlah
                    paket yang *terlambat* dan alasannya, bukan total paket. Angka yang
                    membuat orang bertindak lebih berguna daripada angka yang membuat orang
                    bangga.
                """),
            ),
            Reply(
                author="sari",
                hours=7,
                reply_to=2,
                quote=(
                    "Angka yang membuat orang bertindak lebih berguna daripada angka yang "
                    "membuat orang bangga."
                ),
                body=md("""
                    Setuju sekali, @budi. Mau saya tempel di dinding kantor. 😄
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="komunitas-id",
        kind=QUESTION,
        title="Bisakah alert dikirim ke WhatsApp?",
        author="budi",
        days_ago=7,
        tags=("alert", "whatsapp"),
        views=66,
        body=md("""
            Tim operasional kami jarang buka Slack atau e-mail, semuanya lewat WhatsApp.
            Apakah alert Lumen bisa dikirim langsung ke grup WhatsApp?
        """),
        replies=(
            Reply(
                author="sari",
                hours=9,
                body=md("""
                    Setahu saya belum ada integrasi langsung. Kami pakai webhook alert Lumen
                    yang diteruskan ke WhatsApp Business API lewat layanan pihak ketiga.
                    Jalan, tapi harus bayar per pesan dan pengaturannya agak ribet.
                """),
            ),
        ),
    ),
)
