// SPDX-License-Identifier: GPL-2.0
/*
 * mdcheck layout probe: a module that only names the kernel types mdcheck's models
 * describe, so that its DWARF (built with -g) says where the compiler put every member.
 * It is never loaded; `mdcheck layout-check --dwarf probe.ko` reads it.
 */
#include <linux/module.h>
#include <linux/version.h>
#include <linux/mm_types.h>
#include <linux/page-flags.h>

/* Pointers keep the module tiny; GCC still describes each complete type in full. */
struct page *mdcheck_probe_page;
struct ptdesc *mdcheck_probe_ptdesc;          /* a declaration only before 6.6: reported as missing */
enum pageflags mdcheck_probe_pageflags;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
enum pagetype mdcheck_probe_pagetype;
#endif
EXPORT_SYMBOL(mdcheck_probe_page);
EXPORT_SYMBOL(mdcheck_probe_ptdesc);
EXPORT_SYMBOL(mdcheck_probe_pageflags);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdcheck layout probe: types for layout-check --dwarf");
