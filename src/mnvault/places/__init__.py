"""Places, devices and paper: the physical measures of 事業者編 別添1 2E (issue #16).

管理区域・取扱区域 and their entry logs (2E a), devices, media and paper files that hold
SPI (2E b), their take-out (2E c) and their disposal (2E d). No record here holds a number.
"""
