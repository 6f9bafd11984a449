#!/bin/sh
# The guest's half of tests/integration/share.sh (busybox sh in the Debian
# guest, run from the read-only share mounted at /mnt/ro). Each step prints
# one "p9: STEP RESULT" line; the host checks them and the shared
# directory itself.
R=/mnt/rw
P=/mnt/ro
up() { cut -d' ' -f1 /proc/uptime; }

echo "p9: start (uptime $(up) s)"
mkdir -p $R
if mount -t 9p -o trans=virtio,version=9p2000.L axrw $R; then echo "p9: mount ok"; else echo "p9: mount failed"; fi
echo "p9: read $(cat $R/host.txt)"

echo hello-from-guest >$R/created.txt
echo appended >>$R/created.txt
chmod 640 $R/created.txt
echo "p9: stat $(stat -c '%s %a %F' $R/created.txt)"
echo 0123456789 >$R/trunc.txt
truncate -s 4 $R/trunc.txt

mkdir $R/dir && mkdir $R/dir/sub
echo moved >$R/dir/tomove
mv $R/dir/tomove $R/dir/sub/moved
mv $R/dir $R/dir2
echo "p9: renamed-dir $(cat $R/dir2/sub/moved)"

ln -s created.txt $R/link
echo "p9: readlink $(readlink $R/link)"
ln $R/created.txt $R/hard
rm $R/host-delete-me
echo x >$R/gone && rm $R/gone
echo "p9: ls $(ls $R | tr '\n' ' ' | sed 's/ $//')"
if df $R >/dev/null; then echo "p9: df ok"; else echo "p9: df failed"; fi

t0=$(up)
cp $P/big $R/big
t1=$(up)
echo "p9: cp-secs $(echo "$t0 $t1" | awk '{printf "%.1f s", $2 - $1}')"
dd if=/dev/urandom of=$R/rand bs=64k count=16 conv=fsync 2>/dev/null
echo "p9: rand $(sha256sum $R/rand | cut -d' ' -f1)"

# Escapes: the host's file "secret" lies beside the share; nothing may show it.
hp=$(cat $P/hostpath)
n=0
for f in $R/up/secret $R/secretlink "$R/abs$hp/secret" $R/../secret $R/dir2/../../secret; do
	n=$((n + 1))
	if out=$(cat "$f" 2>&1); then echo "p9: escape $n read: $out"; else echo "p9: escape $n refused"; fi
done

# The read-only share: every change refused.
ro() { # name, command
	if err=$(sh -c "$2" 2>&1); then echo "p9: ro $1 allowed"; else echo "p9: ro $1: $(echo "$err" | tail -1)"; fi
}
ro create "echo x > $P/new"
ro append "echo x >> $P/data.txt"
ro unlink "rm $P/data.txt"
ro mkdir "mkdir $P/d"
ro chmod "chmod 777 $P/data.txt"
ro touch "touch $P/data.txt"
ro rename "mv $P/data.txt $P/moved.txt"
ro symlink "ln -s x $P/l"
echo "p9: ro-read $(cat $P/data.txt)"

umount $R
echo "p9: done (uptime $(up) s)"
