"""Inventory: the fixture of switchboard's Helix test (naïve ☃ text on purpose)."""


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        if count < 0:
            raise ValueError(f"cannot add {count} {name}: counts are positive")
        self.items[name] = self.items.get(name, 0) + count  # 📦 → stock kept

    def remove(self, name, count):
        self.items[name] = self.items[name] - count

    def total(self):
        return sum(self.items.values())
