#!/bin/sh
# Regenerates the WinZip AES vectors with 7-Zip (Debian package 7zip, `7zz`). The zips differ on
# every run (random salts): the tests only need *a* zip made by 7-Zip with the password below.
set -eu
cd "$(dirname "$0")"
P='Vecteur-Test-2026!'
printf 'Compte rendu de consultation — vecteur de test scelle.\n' > compte-rendu.txt
python3 -c "print('ordonnance '*400, end='')" > ordonnance.txt
touch -d '2026-01-02T03:04:06Z' compte-rendu.txt ordonnance.txt
rm -f aes256-store.zip aes256-deflate.zip aes128-deflate.zip
7zz a -tzip -mem=AES256 -mx=0 -p"$P" aes256-store.zip compte-rendu.txt
7zz a -tzip -mem=AES256 -mx=5 -p"$P" aes256-deflate.zip ordonnance.txt
7zz a -tzip -mem=AES128 -mx=5 -p"$P" aes128-deflate.zip ordonnance.txt compte-rendu.txt
sha256sum *.zip *.txt
