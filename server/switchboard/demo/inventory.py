"""A small inventory, the sample file of `switchboard demo`."""


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        # TODO: refuse negative counts
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
        self.items[name] = self.items[name] - count

    def total(self):
        return sum(self.items.values())
