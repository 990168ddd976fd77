/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests that pin memory for DMA through VFIO:
 * they bind QEMU's edu device to vfio-pci, and map memory for it through
 * the VFIO container of its IOMMU group (type1) or through its VFIO device
 * file bound to iommufd.  Only one of the two can hold the device at a
 * time.
 */
#ifndef __SELFTESTS_CGROUP_VFIO_UTIL_H
#define __SELFTESTS_CGROUP_VFIO_UTIL_H

#include <linux/limits.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include "../kselftest.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define VFIO_PCI_DRIVER	"/sys/bus/pci/drivers/vfio-pci"
#define VFIO_CONTAINER	"/dev/vfio/vfio"

/* Where the tests map their buffers in the device's IOVA space */
#define TEST_IOVA	0x10000000ULL

/* The most edu devices the helpers handle */
#define EDU_MAX_DEVS	8

/* An edu device: its PCI address, its group's and its own VFIO files */
struct edu_dev {
	char bdf[NAME_MAX + 1];
	char group_path[PATH_MAX];
	/* Empty without CONFIG_VFIO_DEVICE_CDEV: no iommufd */
	char cdev_path[PATH_MAX];
	/* Bound to vfio-pci by edu_setup_dev(), to unbind in edu_restore() */
	bool bound_here;
};

/* Every edu device edu_find() found, in the order of sysfs */
extern struct edu_dev edu_devs[EDU_MAX_DEVS];
extern int edu_nr_devs;

/*
 * The first edu device, the one edu_setup() sets up: its PCI address, its
 * group's and its own VFIO files
 */
extern char edu_bdf[NAME_MAX + 1];
extern char edu_group_path[PATH_MAX];
/* Empty without CONFIG_VFIO_DEVICE_CDEV: no iommufd */
extern char edu_cdev_path[PATH_MAX];

void close_fd(int *fd);
int read_file(const char *path, char *buf, size_t len);
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_write(const char *path, const char *buf);

char *buf_alloc(size_t len);
void buf_free(char *buf, size_t len);

int edu_find(void);
int edu_setup(void);
int edu_setup_dev(int i);
void edu_restore(void);
void unsafe_irqs_probe(void);
void unsafe_irqs_restore(void);

/*
 * Find the edu device, bind it to vfio-pci and allow unsafe interrupts if
 * VFIO or iommufd need it, or exit: skipped without the device or VFIO,
 * failed if the device cannot be set up.  Inline, for the exit to report
 * the caller's kselftest counts, static to each file.
 */
static inline void edu_vfio_init(void)
{
	if (edu_find())
		ksft_exit_skip("No edu device (PCI %04x:%04x)\n", EDU_VENDOR,
			       EDU_DEVICE);

	if (access(VFIO_CONTAINER, F_OK) || access(VFIO_PCI_DRIVER, F_OK))
		ksft_exit_skip("No VFIO type1 container or vfio-pci\n");

	if (edu_setup()) {
		edu_restore();
		ksft_exit_fail_msg("Cannot set %s up for VFIO\n", edu_bdf);
	}
	unsafe_irqs_probe();
}

/* Undo edu_vfio_init(). */
static inline void edu_vfio_exit(void)
{
	unsafe_irqs_restore();
	edu_restore();
}

/* An edu device's IOMMU group in a VFIO container, with type1 */
struct type1 {
	int container;
	int group;
};

int type1_open(struct type1 *t);
int type1_open_group(struct type1 *t, const char *group_path);
void type1_close(struct type1 *t);
int type1_map(int container, __u64 iova, void *buf, size_t len);
long long type1_unmap(int container, __u64 iova, size_t len);

/* The edu device's VFIO device file, bound to iommufd, in an IOAS */
struct iommufd {
	int iommufd;
	int dev;
	__u32 ioas_id;
	/* Account to the mm's locked_vm, as VFIO does (RLIMIT_MODE 1) */
	bool rlimit_mm;
};

int iommufd_open(struct iommufd *f);
int iommufd_open_dev(struct iommufd *f, const char *cdev_path);
void iommufd_close(struct iommufd *f);
int iommufd_map(struct iommufd *f, __u64 iova, void *buf, size_t len);
long long iommufd_unmap(struct iommufd *f, __u64 iova, size_t len);

/* A mock device of iommufd (CONFIG_IOMMUFD_TEST), bound to a context */
struct mock_dev {
	__u32 stdev_id;		/* its selftest object */
	__u32 idev_id;		/* its binding to the context */
	__u32 hwpt_id;		/* the HWPT its RID is attached to */
};

int iommufd_ctx_open(int *fd, __u32 *ioas_id);
int mock_dev_add(int fd, __u32 ioas_id, bool pasids, struct mock_dev *m);
int mock_pasid_attach(int fd, const struct mock_dev *m, __u32 pasid,
		      __u32 pt_id, __u32 *out_pt_id);
int mock_pasid_detach(int fd, const struct mock_dev *m, __u32 pasid);
int mock_pasid_check(int fd, const struct mock_dev *m, __u32 pasid,
		     __u32 hwpt_id);

#endif /* __SELFTESTS_CGROUP_VFIO_UTIL_H */
