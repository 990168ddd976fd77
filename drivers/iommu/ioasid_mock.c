// SPDX-License-Identifier: GPL-2.0
/*
 * Mock IOMMUs with PASID-capable devices, for the tests of the IOASID
 * allocator and of the ioasids cgroup controller.
 *
 * No emulator the tests run on offers a device with PASIDs, so without a
 * mock the kernel's SVA code, iommu_sva_bind_device() and the allocation of
 * global PASIDs, never runs in a test.  Three mock IOMMUs register on a bus
 * of their own, each of a different PASID width, with one device behind
 * each:
 *
 *   /dev/ioasid_mock_sva0	an IOMMU with one PASID (no PASID width),
 *				like an SMMUv3 without substreams, in front
 *				of a device with 20 bits of PASID
 *   /dev/ioasid_mock_sva4	4 bits (16 PASIDs): IOMMU and device
 *   /dev/ioasid_mock_sva20	20 bits: IOMMU and device
 *
 * Opening one of the files binds the opener's address space to the device,
 * as opening an idxd user work queue does, and fails with the bind's error;
 * closing it unbinds.  read() returns the bound PASID, in decimal, with a
 * newline.  The files are open to every user: the tests run tenants as
 * unprivileged users.
 *
 * The mock IOMMUs implement only what the SVA code needs: a blocking
 * default domain, SVA domains that record to which PASIDs of which device
 * they are attached, and the SVA feature.  The devices do no DMA, which is
 * also why they may bind on x86, where iommu_sva_bind_device() refuses real
 * devices.  Never enable the mock in a production kernel.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/property.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "iommu-priv.h"

/**
 * struct ioasid_mock - A mock IOMMU and the one device behind it
 * @iommu: the IOMMU, whose max_pasids is its PASID width
 * @nb: the IOMMU's notifier on the mock bus
 * @dev: the device, NULL until created
 * @misc: the device's file, through which processes bind
 * @dev_pasid_bits: the PASID width of the device, its "pasid-num-bits"
 * @name: the name of the file in /dev
 */
struct ioasid_mock {
	struct iommu_device iommu;
	struct notifier_block nb;
	struct ioasid_mock_dev *dev;
	struct miscdevice misc;
	u32 dev_pasid_bits;
	const char *name;
};

/**
 * struct ioasid_mock_dev - A mock device with PASIDs
 * @dev: the device, on the mock bus
 * @mock: its IOMMU
 * @pasids: the SVA domains attached to the device, by PASID
 * @sva: whether IOMMU_DEV_FEAT_SVA is enabled
 */
struct ioasid_mock_dev {
	struct device dev;
	struct ioasid_mock *mock;
	struct xarray pasids;
	bool sva;
};

static struct ioasid_mock ioasid_mocks[] = {
	{
		.iommu.max_pasids = 1,
		.dev_pasid_bits = 20,
		.name = "ioasid_mock_sva0",
	},
	{
		.iommu.max_pasids = 1U << 4,
		.dev_pasid_bits = 4,
		.name = "ioasid_mock_sva4",
	},
	{
		.iommu.max_pasids = 1U << 20,
		.dev_pasid_bits = 20,
		.name = "ioasid_mock_sva20",
	},
};

static const struct bus_type ioasid_mock_bus = {
	.name = "ioasid_mock",
};

/*
 * The firmware node of the mock IOMMUs: the devices name it in their
 * fwspec, so that the IOMMU core probes them with the mock's ops rather
 * than with those of the system's IOMMU, which has no firmware node.
 */
static const struct software_node ioasid_mock_swnode = {
	.name = "ioasid_mock_iommu",
};

static struct ioasid_mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct ioasid_mock_dev, dev);
}

/**
 * ioasid_mock_is_mock_dev() - Whether a device is one of the mock's
 * @dev: the device
 *
 * Return: true if @dev is a device of the mock IOMMUs, which does no DMA.
 */
bool ioasid_mock_is_mock_dev(struct device *dev)
{
	return dev->bus == &ioasid_mock_bus;
}

static int ioasid_mock_blocking_attach(struct iommu_domain *domain,
				       struct device *dev)
{
	return 0;
}

static struct iommu_domain ioasid_mock_blocking_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &(const struct iommu_domain_ops) {
		.attach_dev = ioasid_mock_blocking_attach,
	},
};

static int ioasid_mock_set_dev_pasid(struct iommu_domain *domain,
				     struct device *dev, ioasid_t pasid,
				     struct iommu_domain *old)
{
	struct ioasid_mock_dev *mdev = to_mock_dev(dev);

	if (!mdev->sva)
		return -EINVAL;
	return xa_err(xa_store(&mdev->pasids, pasid, domain, GFP_KERNEL));
}

static void ioasid_mock_remove_dev_pasid(struct device *dev, ioasid_t pasid,
					 struct iommu_domain *domain)
{
	struct ioasid_mock_dev *mdev = to_mock_dev(dev);

	WARN_ON(xa_erase(&mdev->pasids, pasid) != domain);
}

static void ioasid_mock_domain_free(struct iommu_domain *domain)
{
	kfree(domain);
}

static const struct iommu_domain_ops ioasid_mock_sva_ops = {
	.set_dev_pasid = ioasid_mock_set_dev_pasid,
	.free = ioasid_mock_domain_free,
};

static struct iommu_domain *ioasid_mock_domain_alloc_sva(struct device *dev,
							 struct mm_struct *mm)
{
	struct iommu_domain *domain;

	domain = kzalloc(sizeof(*domain), GFP_KERNEL);
	if (!domain)
		return ERR_PTR(-ENOMEM);
	domain->ops = &ioasid_mock_sva_ops;
	return domain;
}

static struct iommu_device *ioasid_mock_probe_device(struct device *dev)
{
	if (!ioasid_mock_is_mock_dev(dev))
		return ERR_PTR(-ENODEV);
	return &to_mock_dev(dev)->mock->iommu;
}

static int ioasid_mock_dev_enable_feat(struct device *dev,
				       enum iommu_dev_features feat)
{
	if (feat != IOMMU_DEV_FEAT_SVA || !dev->iommu->max_pasids)
		return -ENODEV;
	to_mock_dev(dev)->sva = true;
	return 0;
}

static int ioasid_mock_dev_disable_feat(struct device *dev,
					enum iommu_dev_features feat)
{
	struct ioasid_mock_dev *mdev = to_mock_dev(dev);

	if (feat != IOMMU_DEV_FEAT_SVA)
		return -ENODEV;
	if (!xa_empty(&mdev->pasids))
		return -EBUSY;
	mdev->sva = false;
	return 0;
}

static const struct iommu_ops ioasid_mock_ops = {
	/* As iommufd's mock: the devices do no DMA, a blocking domain will do */
	.default_domain = &ioasid_mock_blocking_domain,
	.blocked_domain = &ioasid_mock_blocking_domain,
	.owner = THIS_MODULE,
	.domain_alloc_sva = ioasid_mock_domain_alloc_sva,
	.probe_device = ioasid_mock_probe_device,
	.device_group = generic_device_group,
	.dev_enable_feat = ioasid_mock_dev_enable_feat,
	.dev_disable_feat = ioasid_mock_dev_disable_feat,
	.remove_dev_pasid = ioasid_mock_remove_dev_pasid,
};

/* The file's open binds the opener's address space to the device. */
static int ioasid_mock_open(struct inode *inode, struct file *file)
{
	struct ioasid_mock *mock = container_of(file->private_data,
						struct ioasid_mock, misc);
	struct iommu_sva *handle;

	if (!current->mm)
		return -EINVAL;
	handle = iommu_sva_bind_device(&mock->dev->dev, current->mm);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	file->private_data = handle;
	return 0;
}

static int ioasid_mock_release(struct inode *inode, struct file *file)
{
	iommu_sva_unbind_device(file->private_data);
	return 0;
}

static ssize_t ioasid_mock_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	char pasid[16];
	int len;

	len = scnprintf(pasid, sizeof(pasid), "%u\n",
			iommu_sva_get_pasid(file->private_data));
	return simple_read_from_buffer(buf, count, ppos, pasid, len);
}

static const struct file_operations ioasid_mock_fops = {
	.owner = THIS_MODULE,
	.open = ioasid_mock_open,
	.release = ioasid_mock_release,
	.read = ioasid_mock_read,
	.llseek = default_llseek,
};

static void ioasid_mock_dev_release(struct device *dev)
{
	kfree(to_mock_dev(dev));
}

/* Create the device behind @mock, probed by the IOMMU core on its add. */
static int ioasid_mock_dev_create(struct ioasid_mock *mock)
{
	const struct property_entry props[] = {
		PROPERTY_ENTRY_U32("pasid-num-bits", mock->dev_pasid_bits),
		{ }
	};
	struct ioasid_mock_dev *mdev;
	int ret;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return -ENOMEM;
	mdev->mock = mock;
	xa_init(&mdev->pasids);
	device_initialize(&mdev->dev);
	mdev->dev.bus = &ioasid_mock_bus;
	mdev->dev.release = ioasid_mock_dev_release;
	ret = dev_set_name(&mdev->dev, "%s", mock->name);
	if (ret)
		goto err_put;
	ret = device_create_managed_software_node(&mdev->dev, props, NULL);
	if (ret)
		goto err_put;

	mutex_lock(&iommu_probe_device_lock);
	ret = iommu_fwspec_init(&mdev->dev, mock->iommu.fwnode);
	mutex_unlock(&iommu_probe_device_lock);
	if (ret)
		goto err_put;

	ret = device_add(&mdev->dev);
	if (ret)
		goto err_put;
	if (!mdev->dev.iommu_group) {
		ret = -ENODEV;
		goto err_del;
	}
	ret = iommu_dev_enable_feature(&mdev->dev, IOMMU_DEV_FEAT_SVA);
	if (ret)
		goto err_del;
	mock->dev = mdev;
	return 0;

err_del:
	device_del(&mdev->dev);
err_put:
	if (mdev->dev.iommu && !mdev->dev.iommu_group)
		dev_iommu_free(&mdev->dev);
	put_device(&mdev->dev);
	return ret;
}

static void ioasid_mock_dev_destroy(struct ioasid_mock *mock)
{
	iommu_dev_disable_feature(&mock->dev->dev, IOMMU_DEV_FEAT_SVA);
	device_unregister(&mock->dev->dev);
	mock->dev = NULL;
}

static int __init ioasid_mock_add(struct ioasid_mock *mock,
				  struct fwnode_handle *fwnode)
{
	int ret;

	ret = iommu_device_sysfs_add(&mock->iommu, NULL, NULL, "%s",
				     mock->name);
	if (ret)
		return ret;
	mock->iommu.fwnode = fwnode;
	ret = iommu_device_register_bus(&mock->iommu, &ioasid_mock_ops,
					&ioasid_mock_bus, &mock->nb);
	if (ret)
		goto err_sysfs;
	ret = ioasid_mock_dev_create(mock);
	if (ret)
		goto err_unregister;

	mock->misc.minor = MISC_DYNAMIC_MINOR;
	mock->misc.name = mock->name;
	mock->misc.fops = &ioasid_mock_fops;
	mock->misc.mode = 0666;
	ret = misc_register(&mock->misc);
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	ioasid_mock_dev_destroy(mock);
err_unregister:
	iommu_device_unregister_bus(&mock->iommu, &ioasid_mock_bus, &mock->nb);
err_sysfs:
	iommu_device_sysfs_remove(&mock->iommu);
	return ret;
}

static void __init ioasid_mock_remove(struct ioasid_mock *mock)
{
	misc_deregister(&mock->misc);
	ioasid_mock_dev_destroy(mock);
	iommu_device_unregister_bus(&mock->iommu, &ioasid_mock_bus, &mock->nb);
	iommu_device_sysfs_remove(&mock->iommu);
}

static int __init ioasid_mock_init(void)
{
	int i, ret;

	ret = bus_register(&ioasid_mock_bus);
	if (ret)
		return ret;
	ret = software_node_register(&ioasid_mock_swnode);
	if (ret)
		goto err_bus;
	for (i = 0; i < ARRAY_SIZE(ioasid_mocks); i++) {
		ret = ioasid_mock_add(&ioasid_mocks[i],
				      software_node_fwnode(&ioasid_mock_swnode));
		if (ret)
			goto err_mocks;
	}
	pr_info("ioasid_mock: %zu mock IOMMUs with PASIDs, for tests only\n",
		ARRAY_SIZE(ioasid_mocks));
	return 0;

err_mocks:
	while (i--)
		ioasid_mock_remove(&ioasid_mocks[i]);
	software_node_unregister(&ioasid_mock_swnode);
err_bus:
	bus_unregister(&ioasid_mock_bus);
	pr_err("ioasid_mock: cannot register the mock IOMMUs: %d\n", ret);
	return ret;
}
device_initcall(ioasid_mock_init);
