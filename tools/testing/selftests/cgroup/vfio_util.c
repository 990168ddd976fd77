// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the tests that pin memory for DMA through VFIO,
 * for QEMU's edu device: see vfio_util.h.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../../../drivers/iommu/iommufd/iommufd_test.h"
#include "vfio_util.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define IOMMUFD_DEV	"/dev/iommu"

/* Every edu device found, and the first one's files */
struct edu_dev edu_devs[EDU_MAX_DEVS];
int edu_nr_devs;
char edu_bdf[NAME_MAX + 1];
char edu_group_path[PATH_MAX];
char edu_cdev_path[PATH_MAX];

/*
 * VFIO and iommufd refuse a device whose MSIs the platform cannot isolate,
 * without interrupt remapping, unless allowed.  The users of these helpers
 * never enable an interrupt of the device, so if refused, they allow it
 * for their duration.
 */
enum { UNSAFE_IRQ_TYPE1, UNSAFE_IRQ_IOMMUFD, NR_UNSAFE_IRQ };
static const char *const unsafe_irq_params[NR_UNSAFE_IRQ] = {
	[UNSAFE_IRQ_TYPE1] =
		"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
	[UNSAFE_IRQ_IOMMUFD] =
		"/sys/module/iommufd/parameters/allow_unsafe_interrupts",
};

/* Set by unsafe_irqs_probe(), to clear in unsafe_irqs_restore() */
static bool unsafe_irq_set[NR_UNSAFE_IRQ];

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A private anonymous buffer of @len bytes, every page of it populated */
char *buf_alloc(size_t len)
{
	long page_size = sysconf(_SC_PAGESIZE);
	char *buf;
	size_t off;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		ksft_perror("mmap");
		return NULL;
	}
	for (off = 0; off < len; off += page_size)
		buf[off] = 1;
	return buf;
}

void buf_free(char *buf, size_t len)
{
	if (buf)
		munmap(buf, len);
}

/*
 * Read @path, up to @len - 1 bytes of it, in @buf as a string.  Returns 0,
 * or -errno.
 */
int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return 0;
}

/* Read a sysfs file of one line, without its newline. */
int sysfs_read(const char *path, char *buf, size_t len)
{
	size_t n;
	int ret;

	ret = read_file(path, buf, len);
	if (ret)
		return ret;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int sysfs_write(const char *path, const char *buf)
{
	ssize_t len = strlen(buf), ret;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = write(fd, buf, len);
		if (ret < 0)
			ret = -errno;
		close(fd);
	}
	if (ret == len)
		return 0;
	ksft_print_msg("writing \"%s\" to %s: %s\n", buf, path,
		       ret < 0 ? strerror(-ret) : "short write");
	return -1;
}

/* The last component of the symlink @path in @buf, or -1 */
static int link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *name;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	n = strlen(name);
	if ((size_t)n >= len)
		return -1;
	memcpy(buf, name, n + 1);
	return 0;
}

static long pci_read_id(const char *bdf, const char *file)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "%s/%s/%s", PCI_DEVICES, bdf, file);
	if (sysfs_read(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

/*
 * Find the edu devices, up to EDU_MAX_DEVS, in edu_devs[] and edu_nr_devs;
 * returns 0 with the first one's address in edu_bdf, or -1 if none.
 */
int edu_find(void)
{
	struct dirent *de;
	DIR *dir;

	edu_nr_devs = 0;
	dir = opendir(PCI_DEVICES);
	if (!dir)
		return -1;
	while (edu_nr_devs < EDU_MAX_DEVS && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (pci_read_id(de->d_name, "vendor") != EDU_VENDOR ||
		    pci_read_id(de->d_name, "device") != EDU_DEVICE)
			continue;
		snprintf(edu_devs[edu_nr_devs].bdf,
			 sizeof(edu_devs[edu_nr_devs].bdf), "%s", de->d_name);
		edu_nr_devs++;
	}
	closedir(dir);
	if (!edu_nr_devs)
		return -1;
	snprintf(edu_bdf, sizeof(edu_bdf), "%s", edu_devs[0].bdf);
	return 0;
}

/* The name of the driver of edu device @e in @buf, or -1 if none */
static int edu_driver(const struct edu_dev *e, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/driver", PCI_DEVICES, e->bdf);
	return link_name(path, buf, len);
}

/*
 * Bind edu device @i of edu_devs[] to vfio-pci, and find its group's file
 * and its VFIO device file.  Returns 0, or -1 with a message.
 */
int edu_setup_dev(int i)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	struct edu_dev *e = &edu_devs[i];
	struct dirent *de;
	DIR *dir;

	if (edu_driver(e, name, sizeof(name)) || strcmp(name, "vfio-pci")) {
		if (!edu_driver(e, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/%s/driver/unbind",
				 PCI_DEVICES, e->bdf);
			if (sysfs_write(path, e->bdf))
				return -1;
		}
		snprintf(path, sizeof(path), "%s/%s/driver_override",
			 PCI_DEVICES, e->bdf);
		if (sysfs_write(path, "vfio-pci"))
			return -1;
		e->bound_here = true;
		if (sysfs_write("/sys/bus/pci/drivers_probe", e->bdf))
			return -1;
		if (edu_driver(e, name, sizeof(name)) ||
		    strcmp(name, "vfio-pci")) {
			ksft_print_msg("%s: not bound to vfio-pci\n", e->bdf);
			return -1;
		}
	}

	snprintf(path, sizeof(path), "%s/%s/iommu_group", PCI_DEVICES,
		 e->bdf);
	if (link_name(path, name, sizeof(name))) {
		ksft_print_msg("%s: no IOMMU group\n", e->bdf);
		return -1;
	}
	snprintf(e->group_path, sizeof(e->group_path), "/dev/vfio/%s", name);

	/* No vfio-dev without CONFIG_VFIO_DEVICE_CDEV: iommufd tests skip. */
	snprintf(path, sizeof(path), "%s/%s/vfio-dev", PCI_DEVICES, e->bdf);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(e->cdev_path, sizeof(e->cdev_path),
			 "/dev/vfio/devices/%s", de->d_name);
		break;
	}
	closedir(dir);
	return 0;
}

/*
 * Set the first edu device up, as edu_setup_dev(0), with its files in
 * edu_group_path and edu_cdev_path.
 */
int edu_setup(void)
{
	int ret = edu_setup_dev(0);

	snprintf(edu_group_path, sizeof(edu_group_path), "%s",
		 edu_devs[0].group_path);
	snprintf(edu_cdev_path, sizeof(edu_cdev_path), "%s",
		 edu_devs[0].cdev_path);
	return ret;
}

/* Give every edu device bound here back to the driver it had, if any. */
void edu_restore(void)
{
	char path[PATH_MAX];
	struct edu_dev *e;
	int i;

	for (i = 0; i < edu_nr_devs; i++) {
		e = &edu_devs[i];
		if (!e->bound_here)
			continue;
		/* The precision tells GCC, at -O2, that the path fits. */
		snprintf(path, sizeof(path), "%s/%.*s/driver_override",
			 PCI_DEVICES, NAME_MAX, e->bdf);
		sysfs_write(path, "\n");
		snprintf(path, sizeof(path), "%s/%.*s/driver/unbind",
			 PCI_DEVICES, NAME_MAX, e->bdf);
		if (!access(path, F_OK))
			sysfs_write(path, e->bdf);
		sysfs_write("/sys/bus/pci/drivers_probe", e->bdf);
		e->bound_here = false;
	}
}

/* Allow unsafe interrupts to @i if not allowed yet, to restore it later. */
static void unsafe_irq_allow(int i)
{
	char buf[8];

	if (sysfs_read(unsafe_irq_params[i], buf, sizeof(buf)) ||
	    strcmp(buf, "N"))
		return;
	ksft_print_msg("no interrupt isolation: setting %s\n",
		       unsafe_irq_params[i]);
	if (!sysfs_write(unsafe_irq_params[i], "Y"))
		unsafe_irq_set[i] = true;
}

void unsafe_irqs_restore(void)
{
	int i;

	for (i = 0; i < NR_UNSAFE_IRQ; i++)
		if (unsafe_irq_set[i])
			sysfs_write(unsafe_irq_params[i], "N");
}

void type1_close(struct type1 *t)
{
	close_fd(&t->group);
	close_fd(&t->container);
}

/*
 * Open a type1 container holding the IOMMU group of @group_path.  Returns
 * 0, or -errno with a message and everything closed.
 */
int type1_open_group(struct type1 *t, const char *group_path)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	const char *what;
	int ret;

	t->group = -1;
	t->container = open(VFIO_CONTAINER, O_RDWR | O_CLOEXEC);
	if (t->container < 0) {
		what = "open " VFIO_CONTAINER;
		goto fail;
	}
	ret = ioctl(t->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		ksft_print_msg("VFIO API version %d, expected %d\n", ret,
			       VFIO_API_VERSION);
		type1_close(t);
		return -EINVAL;
	}
	if (ioctl(t->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		ksft_print_msg("VFIO container without type1v2\n");
		type1_close(t);
		return -EINVAL;
	}
	t->group = open(group_path, O_RDWR | O_CLOEXEC);
	if (t->group < 0) {
		what = group_path;
		goto fail;
	}
	if (ioctl(t->group, VFIO_GROUP_GET_STATUS, &status)) {
		what = "VFIO_GROUP_GET_STATUS";
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ksft_print_msg("%s: group not viable\n", group_path);
		type1_close(t);
		return -EBUSY;
	}
	if (ioctl(t->group, VFIO_GROUP_SET_CONTAINER, &t->container)) {
		what = "VFIO_GROUP_SET_CONTAINER";
		goto fail;
	}
	if (ioctl(t->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		what = "VFIO_SET_IOMMU";
		goto fail;
	}
	return 0;

fail:
	ret = -errno;
	ksft_print_msg("%s: %s\n", what, strerror(errno));
	type1_close(t);
	return ret;
}

/* Open a type1 container holding the first edu device's group. */
int type1_open(struct type1 *t)
{
	return type1_open_group(t, edu_group_path);
}

/* Returns 0, or -errno. */
int type1_map(int container, __u64 iova, void *buf, size_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = len,
	};

	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	return 0;
}

/* Returns the number of bytes unmapped, or -errno. */
long long type1_unmap(int container, __u64 iova, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size;
}

void iommufd_close(struct iommufd *f)
{
	close_fd(&f->dev);
	close_fd(&f->iommufd);
}

/*
 * Bind the device of @cdev_path and attach it to a new IOAS: iommufd pins
 * only what a domain maps.  Returns 0, or -errno with a message and
 * everything closed.
 */
int iommufd_open_dev(struct iommufd *f, const char *cdev_path)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_option option = {
		.size = sizeof(option),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = 1,
	};
	const char *what;
	int ret;

	f->dev = -1;
	f->iommufd = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC);
	if (f->iommufd < 0) {
		what = "open " IOMMUFD_DEV;
		goto fail;
	}
	/* Only an iommufd without objects takes the option. */
	if (f->rlimit_mm && ioctl(f->iommufd, IOMMU_OPTION, &option)) {
		what = "IOMMU_OPTION_RLIMIT_MODE";
		goto fail;
	}
	f->dev = open(cdev_path, O_RDWR | O_CLOEXEC);
	if (f->dev < 0) {
		what = cdev_path;
		goto fail;
	}
	bind.iommufd = f->iommufd;
	if (ioctl(f->dev, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		what = "VFIO_DEVICE_BIND_IOMMUFD";
		goto fail;
	}
	if (ioctl(f->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		what = "IOMMU_IOAS_ALLOC";
		goto fail;
	}
	f->ioas_id = alloc.out_ioas_id;
	attach.pt_id = f->ioas_id;
	if (ioctl(f->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		what = "VFIO_DEVICE_ATTACH_IOMMUFD_PT";
		goto fail;
	}
	return 0;

fail:
	ret = -errno;
	ksft_print_msg("%s: %s\n", what, strerror(errno));
	iommufd_close(f);
	return ret;
}

/* iommufd_open_dev() of the first edu device */
int iommufd_open(struct iommufd *f)
{
	return iommufd_open_dev(f, edu_cdev_path);
}

/* Returns 0, or -errno. */
int iommufd_map(struct iommufd *f, __u64 iova, void *buf, size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = f->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	if (ioctl(f->iommufd, IOMMU_IOAS_MAP, &map))
		return -errno;
	return 0;
}

/* Returns the number of bytes unmapped, or -errno. */
long long iommufd_unmap(struct iommufd *f, __u64 iova, size_t len)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = f->ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(f->iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return -errno;
	return unmap.length;
}

/*
 * Open the device both ways once, allowing unsafe interrupts to the ones
 * that refuse it for want of them (EPERM).
 */
void unsafe_irqs_probe(void)
{
	struct type1 t = { .container = -1, .group = -1 };
	struct iommufd f = { .iommufd = -1, .dev = -1 };

	if (type1_open(&t) == -EPERM)
		unsafe_irq_allow(UNSAFE_IRQ_TYPE1);
	type1_close(&t);
	if (edu_cdev_path[0] && iommufd_open(&f) == -EPERM)
		unsafe_irq_allow(UNSAFE_IRQ_IOMMUFD);
	iommufd_close(&f);
}

/* An iommufd context, in *@fd, with an IOAS, in *@ioas_id: 0 or -errno */
int iommufd_ctx_open(int *fd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int ret;

	*fd = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (ioctl(*fd, IOMMU_IOAS_ALLOC, &alloc)) {
		ret = -errno;
		close_fd(fd);
		return ret;
	}
	*ioas_id = alloc.out_ioas_id;
	return 0;
}

/*
 * A mock device in the context @fd, with PASIDs (MOCK_FLAGS_DEVICE_PASID)
 * if @pasids, its RID attached to @ioas_id: 0 or -errno.
 */
int mock_dev_add(int fd, __u32 ioas_id, bool pasids, struct mock_dev *m)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = ioas_id,
		.mock_domain_flags.dev_flags =
			pasids ? MOCK_FLAGS_DEVICE_PASID : 0,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -errno;
	m->stdev_id = cmd.mock_domain_flags.out_stdev_id;
	m->idev_id = cmd.mock_domain_flags.out_idev_id;
	m->hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	return 0;
}

/*
 * Attach @pasid of @m to @pt_id, as VFIO_DEVICE_ATTACH_PASID does: 0, and
 * the HWPT in *@out_pt_id if not NULL, or -errno.
 */
int mock_pasid_attach(int fd, const struct mock_dev *m, __u32 pasid,
		      __u32 pt_id, __u32 *out_pt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_ATTACH,
		.id = m->stdev_id,
		.pasid_attach = { .pasid = pasid, .pt_id = pt_id },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -errno;
	if (out_pt_id)
		*out_pt_id = cmd.pasid_attach.pt_id;
	return 0;
}

/* Detach @pasid of @m: 0 or -errno */
int mock_pasid_detach(int fd, const struct mock_dev *m, __u32 pasid)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_DETACH,
		.id = m->stdev_id,
		.pasid_detach.pasid = pasid,
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}

/* 0 if @pasid of @m uses @hwpt_id, or no page table if it is 0; -errno */
int mock_pasid_check(int fd, const struct mock_dev *m, __u32 pasid,
		     __u32 hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_CHECK_HWPT,
		.id = m->stdev_id,
		.pasid_check = { .pasid = pasid, .hwpt_id = hwpt_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}
