"""Tmall / Taobao seller-center exports."""
