/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The walk from / to the configuration file.  realpath(3) then stat(2) of
 * each parent, as OpenSSH does, checks a path that may have changed by the
 * time the file is opened; holding each directory open (O_PATH: search
 * permission is enough) and opening the next one relative to it does not. */
#include "safe_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory held by fd, named by the first len bytes of path, may hold
 * our file: nobody but root or us can have put or swapped anything in it. */
static int check_dir(int fd, const char *path, int len, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%.*s: %s", len, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%.*s: not a directory", len, path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%.*s: a directory above the configuration owned by uid %ju: every "
			 "directory from / to the file must be owned by root",
			 len, path, (uintmax_t)st.st_uid);
		return -1;
	}
	/* /tmp: others may add entries, but not remove or rename root's. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_uid == 0 && (st.st_mode & S_ISVTX))) {
		snprintf(err, errlen,
			 "%.*s: a directory above the configuration writable by group or "
			 "others: chmod go-w it",
			 len, path);
		return -1;
	}
	return 0;
}

/* Why name could not be opened in dirfd: a symbolic link says so. */
static void open_error(int dirfd, const char *name, const char *path, int len, int error,
		       char *err, size_t errlen)
{
	struct stat st;

	if ((error == ELOOP || error == ENOTDIR) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		snprintf(err, errlen,
			 "%.*s: a symbolic link: give the configuration's real path, "
			 "whose every component is a real directory or file",
			 len, path);
	else
		snprintf(err, errlen, "%.*s: %s", len, path, strerror(error));
}

int pp_safe_open(const char *path, bool *missing, char *err, size_t errlen)
{
	char name[NAME_MAX + 1];
	const char *p = path;
	int dirfd, fd = -1;

	*missing = false;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: the configuration path must be absolute", path);
		return -1;
	}
	dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || check_dir(dirfd, "/", 1, err, errlen) != 0)
		goto done;
	for (;;) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 1 && p[0] == '.') {
			p++;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			snprintf(err, errlen, "%s: '..' in the configuration path", path);
			goto done;
		}
		if (len > NAME_MAX) {
			snprintf(err, errlen, "%s: a component longer than %d bytes", path,
				 NAME_MAX);
			goto done;
		}
		/* Nothing after "/" or "/dir/": the directory itself is "the
		 * file", which the caller then finds is not a regular one. */
		if (len == 0) {
			fd = openat(dirfd, ".", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd < 0)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		int upto = (int)(p - path);
		bool last = strspn(p, "/") == strlen(p);
		int next = openat(dirfd, name,
				  last ? O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
				       : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0) {
			*missing = errno == ENOENT;
			open_error(dirfd, name, path, upto, errno, err, errlen);
			goto done;
		}
		if (last) {
			fd = next;
			goto done;
		}
		close(dirfd);
		dirfd = next;
		if (check_dir(dirfd, path, upto, err, errlen) != 0)
			goto done;
	}
done:
	if (dirfd < 0)
		snprintf(err, errlen, "/: %s", strerror(errno));
	else
		close(dirfd);
	return fd;
}
