# An operator captured as a function of two arguments: &+/2, &Kernel.+/2 and the like.
IO.inspect(Enum.reduce([1, 2, 3], &+/2))
IO.inspect(Enum.scan([1, 2, 3], &+/2))
IO.inspect(Enum.zip_with([1, 2], [3, 4], &*/2))
IO.inspect(List.foldl([1, 2, 3], 0, &+/2))
plus = &Kernel.+/2
IO.inspect(plus.(3, 4))
IO.inspect(Enum.sort([3, 1, 2], &>=/2))
IO.inspect(Enum.reduce([[1], [2]], &++/2))
IO.inspect(Enum.map([{1, 2}], fn {a, b} -> (&-/2).(a, b) end))
IO.inspect(Enum.reduce(["a", "b"], &<>/2))
