// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ioasid: IOASIDs (PASIDs) for userspace.
 *
 * Each open file is one IOASID set of kind IOASID_SET_FILE, charged to the
 * ioasids cgroup of the opener; closing the file frees its IOASIDs and
 * their charges.  A VMM binds the file to its iommufd context, whose
 * devices then attach the file's IOASIDs as PASIDs: IDs the kernel chose
 * (IOASID_ALLOC), which no other tenant can take, and which the VMM gives
 * its guest.
 *
 * The uAPI follows iommufd's conventions; see include/uapi/linux/ioasid.h.
 */

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioasid.h>
#include <linux/iommufd.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/ioasid.h>

/**
 * struct ioasid_file - One open file of /dev/ioasid
 * @set: the file's IOASIDs
 * @lock: serializes changes of the quota
 */
struct ioasid_file {
	struct ioasid_set *set;
	struct mutex lock;	/* serializes changes of the quota */
};

union ioasid_ucmd_buffer {
	struct ioasid_get_info info;
	struct ioasid_alloc alloc;
	struct ioasid_free free;
	struct ioasid_set_quota quota;
	struct ioasid_bind_iommufd bind;
};

/**
 * struct ioasid_ucmd - One ioctl in flight
 * @filp: the file it runs on
 * @ifile: the file's IOASID set
 * @ubuffer: the caller's struct
 * @user_size: the size the caller gave
 * @cmd: the struct, as the kernel knows it
 */
struct ioasid_ucmd {
	struct file *filp;
	struct ioasid_file *ifile;
	void __user *ubuffer;
	u32 user_size;
	union ioasid_ucmd_buffer cmd;
};

/* Copy the struct back, as much of it as the caller knows. */
static int ioasid_ucmd_respond(struct ioasid_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, &ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static int ioasid_cdev_open(struct inode *inode, struct file *filp)
{
	struct ioasid_file *ifile;

	ifile = kzalloc(sizeof(*ifile), GFP_KERNEL_ACCOUNT);
	if (!ifile)
		return -ENOMEM;

	ifile->set = ioasid_set_alloc(IOASID_SET_FILE, IOASID_QUOTA_UNLIMITED);
	if (IS_ERR(ifile->set)) {
		int ret = PTR_ERR(ifile->set);

		kfree(ifile);
		return ret;
	}
	mutex_init(&ifile->lock);
	filp->private_data = ifile;
	return 0;
}

static int ioasid_cdev_release(struct inode *inode, struct file *filp)
{
	struct ioasid_file *ifile = filp->private_data;

	ioasid_set_free(ifile->set);
	mutex_destroy(&ifile->lock);
	kfree(ifile);
	return 0;
}

static int ioasid_get_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_get_info *cmd = &ucmd->cmd.info;
	struct ioasid_file *ifile = ucmd->ifile;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->min_ioasid)
		return -EINVAL;

	cmd->max_ioasid = IOASID_SPACE - 1;
	cmd->capacity = IOASID_SPACE - IOMMU_FIRST_GLOBAL_PASID;
	cmd->min_ioasid = IOASID_USER_FIRST;
	cmd->quota = ioasid_set_quota(ifile->set);
	cmd->usage = ioasid_set_usage(ifile->set);
	cmd->alloc_flags = IOASID_ALLOC_RANGE;
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

static int ioasid_alloc_cmd(struct ioasid_ucmd *ucmd)
{
	struct ioasid_alloc *cmd = &ucmd->cmd.alloc;
	struct ioasid_file *ifile = ucmd->ifile;
	ioasid_t min = 0, max = UINT_MAX;
	int id, ret;

	if (cmd->flags & ~IOASID_ALLOC_RANGE)
		return -EOPNOTSUPP;
	if (cmd->__reserved || cmd->out_ioasid)
		return -EINVAL;
	if (cmd->flags & IOASID_ALLOC_RANGE) {
		min = cmd->min;
		max = cmd->max;
	} else if (cmd->min || cmd->max) {
		return -EINVAL;
	}

	id = ioasid_alloc(ifile->set, min, max);
	if (id < 0)
		return id;
	cmd->out_ioasid = id;
	ret = ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		ioasid_free(ifile->set, id);	/* the caller never saw it */
	return ret;
}

static int ioasid_free_cmd(struct ioasid_ucmd *ucmd)
{
	struct ioasid_free *cmd = &ucmd->cmd.free;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	return ioasid_free(ucmd->ifile->set, cmd->ioasid);
}

/*
 * Whoever holds the file may lower its quota, to bound what it hands the
 * file on to; raising it again needs CAP_SYS_ADMIN in the initial user
 * namespace, or the quota would bound nothing.
 */
static int ioasid_set_quota_cmd(struct ioasid_ucmd *ucmd)
{
	struct ioasid_set_quota *cmd = &ucmd->cmd.quota;
	struct ioasid_file *ifile = ucmd->ifile;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	mutex_lock(&ifile->lock);
	if (cmd->quota > ioasid_set_quota(ifile->set) && !capable(CAP_SYS_ADMIN))
		ret = -EPERM;
	else
		ioasid_set_set_quota(ifile->set, cmd->quota);
	mutex_unlock(&ifile->lock);
	return ret;
}

/*
 * The iommufd context holds the file, and so its set, until the context is
 * closed; the file holds nothing of the context.
 */
static int ioasid_bind_iommufd_cmd(struct ioasid_ucmd *ucmd)
{
	struct ioasid_bind_iommufd *cmd = &ucmd->cmd.bind;
	struct iommufd_ctx *ictx;
	struct file *iommufd;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;

	iommufd = fget(cmd->iommufd);
	if (!iommufd)
		return -EBADF;
	ictx = iommufd_ctx_from_file(iommufd);
	if (IS_ERR(ictx)) {
		ret = PTR_ERR(ictx) == -EBADFD ? -EINVAL : PTR_ERR(ictx);
		goto out_fput;
	}
	ret = iommufd_ctx_use_ioasid_set(ictx, ucmd->ifile->set, ucmd->filp);
	iommufd_ctx_put(ictx);
out_fput:
	fput(iommufd);
	return ret;
}

struct ioasid_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct ioasid_ucmd *ucmd);
};

/*
 * Every command is _IO(IOASID_TYPE, nr), at index nr.  min_size: up to and
 * including @_last, the first version of the struct.
 */
#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                  \
	[_IOC_NR(_ioctl)] = {                                                  \
		.size = sizeof(_struct) +                                      \
			BUILD_BUG_ON_ZERO(sizeof(union ioasid_ucmd_buffer) <   \
					  sizeof(_struct)),                    \
		.min_size = offsetofend(_struct, _last),                       \
		.execute = _fn,                                                \
	}
static const struct ioasid_ioctl_op ioasid_ioctl_ops[] = {
	IOCTL_OP(IOASID_GET_INFO, ioasid_get_info, struct ioasid_get_info,
		 min_ioasid),
	IOCTL_OP(IOASID_ALLOC, ioasid_alloc_cmd, struct ioasid_alloc,
		 __reserved),
	IOCTL_OP(IOASID_FREE, ioasid_free_cmd, struct ioasid_free, __reserved),
	IOCTL_OP(IOASID_SET_QUOTA, ioasid_set_quota_cmd,
		 struct ioasid_set_quota, __reserved),
	IOCTL_OP(IOASID_BIND_IOMMUFD, ioasid_bind_iommufd_cmd,
		 struct ioasid_bind_iommufd, __reserved),
};

static long ioasid_cdev_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct ioasid_ucmd ucmd = {
		.filp = filp,
		.ifile = filp->private_data,
		.ubuffer = (void __user *)arg,
	};
	const struct ioasid_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (cmd != _IO(IOASID_TYPE, nr) || nr >= ARRAY_SIZE(ioasid_ioctl_ops))
		return -ENOTTY;
	op = &ioasid_ioctl_ops[nr];

	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(&ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static const struct file_operations ioasid_cdev_fops = {
	.owner = THIS_MODULE,
	.open = ioasid_cdev_open,
	.release = ioasid_cdev_release,
	.unlocked_ioctl = ioasid_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Root only by default; the administrator grants access, e.g. by udev. */
static struct miscdevice ioasid_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioasid",
	.fops = &ioasid_cdev_fops,
	.mode = 0600,
};
module_misc_device(ioasid_miscdev);

MODULE_IMPORT_NS(IOMMUFD);
MODULE_DESCRIPTION("IOASIDs (PASIDs) for userspace");
MODULE_LICENSE("GPL");
