public struct VouchCommand { public static func main() {} }
